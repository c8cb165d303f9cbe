package dev.docsync.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class PresenceRegistryTest {
  private final PresenceRegistry registry = new PresenceRegistry();

  private PresenceChange upsert(String id, JsonObject state, long now) {
    return registry.upsert("doc", "s", id, Participant.Via.BUS, null, state, now);
  }

  @Test
  void firstUpdateJoinsLaterOnesReportOnlyWhatChanged() {
    PresenceChange join = upsert("ada", new JsonObject().put("user", new JsonObject().put("name", "Ada")).put("cursor", "c1"), 0);
    assertThat(join.kind()).isEqualTo(PresenceChange.Kind.JOIN);
    assertThat(join.toEvent().getJsonObject("state").getString("cursor")).isEqualTo("c1");

    PresenceChange update = upsert("ada", new JsonObject().put("cursor", "c2").put("user", new JsonObject().put("name", "Ada")), 1);
    assertThat(update.kind()).isEqualTo(PresenceChange.Kind.UPDATE);
    assertThat(update.changed().fieldNames()).containsExactly("cursor");
    assertThat(update.toEvent().getJsonObject("state").getJsonObject("user").getString("name")).isEqualTo("Ada");

    // The same state again is a sign of life, not an update event
    PresenceChange same = upsert("ada", new JsonObject().put("cursor", "c2"), 2);
    assertThat(same.kind()).isEqualTo(PresenceChange.Kind.HEARTBEAT);
    assertThat(same.published()).isFalse();
  }

  @Test
  void silentParticipantsExpireOthersStay() {
    upsert("quiet", new JsonObject(), 0);
    upsert("chatty", new JsonObject(), 0);
    assertThat(registry.touch("doc", "s", "chatty", 900)).isNotNull();
    assertThat(registry.touch("doc", "s", "nobody", 900)).isNull();

    List<PresenceChange> gone = registry.expire(1000, 1000);
    assertThat(gone).singleElement().satisfies(c -> {
      assertThat(c.participant().id).isEqualTo("quiet");
      assertThat(c.toEvent().getString("reason")).isEqualTo("timeout");
    });
    assertThat(registry.participants("doc")).extracting(p -> p.id).containsExactly("chatty");
    registry.expire(1900, 1000);
    assertThat(registry.has("doc")).isFalse();
  }

  @Test
  void aClosedConnectionTakesItsParticipantsAlong() {
    registry.upsert("doc", "s", "ws-1", Participant.Via.WS, "conn-a", new JsonObject(), 0);
    registry.upsert("other", "s", "ws-1", Participant.Via.WS, "conn-a", new JsonObject(), 0);
    registry.upsert("doc", "s", "ws-2", Participant.Via.WS, "conn-b", new JsonObject(), 0);
    List<PresenceChange> gone = registry.removeOrigin("conn-a");
    assertThat(gone).hasSize(2).allSatisfy(c -> assertThat(c.reason()).isEqualTo("disconnect"));
    assertThat(registry.participants("doc")).extracting(p -> p.id).containsExactly("ws-2");
  }

  @Test
  void leaveRemovesOnceAndBusParticipantsCountTheirEphemeralMessages() {
    Participant p = upsert("ada", new JsonObject(), 0).participant();
    assertThat(p.nextCount()).isLessThan(p.nextCount()); // receivers drop counts that do not grow
    assertThat(registry.remove("doc", "s", "ada", "goodbye").toEvent().getString("event")).isEqualTo("leave");
    assertThat(registry.remove("doc", "s", "ada", "goodbye")).isNull();
  }

  @Test
  void aParticipantIsReachedOnlyByTheSubjectThatOwnsIt() {
    registry.upsert("doc", "ada", "ada/tab-1", Participant.Via.BUS, null, new JsonObject().put("cursor", "a"), 0);
    PresenceChange spoof = registry.upsert("doc", "mallory", "ada/tab-1", Participant.Via.WS, "conn-m",
        new JsonObject().put("cursor", "evil"), 1);
    assertThat(spoof.kind()).isEqualTo(PresenceChange.Kind.JOIN); // a participant of its own, not Ada's
    assertThat(registry.remove("doc", "mallory", "ada/tab-1", "goodbye").participant().subject).isEqualTo("mallory");
    assertThat(registry.touch("doc", "ada", "ada/tab-1", 2)).isNotNull();
    assertThat(registry.find("doc", "ada", "ada/tab-1").state.getString("cursor")).isEqualTo("a");
  }
}
