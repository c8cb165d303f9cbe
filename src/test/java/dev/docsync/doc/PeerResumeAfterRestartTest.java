package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusPeer;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;

/**
 * A peer that said BYE and comes back after a service restart resumes from the persisted sync
 * state: it exchanges only what is missing, far fewer bytes than a peer that starts from scratch
 * with the very same replica.
 */
class PeerResumeAfterRestartTest {
  private static final String DOC = "resume-1";

  @Test
  void returningPeerGetsOnlyTheMissingChanges() {
    try (TestService service = TestService.start()) {
      service.writeKeys(DOC, 0, 2_000);
      EventBusPeer peer = new EventBusPeer("peer-a", DOC, new Document());
      peer.connect(service.vertx());
      awaitSynced(service, peer);
      peer.bye();
      Document twin = peer.doc().fork(); // the same replica, for a peer without stored state

      service.restart();
      service.writeKeys(DOC, 2_000, 3);

      peer.resetCounters();
      peer.connect(service.vertx());
      awaitSynced(service, peer);
      long resumed = peer.bytesExchanged();

      try (EventBusPeer stranger = new EventBusPeer("peer-b", DOC, twin)) {
        stranger.connect(service.vertx());
        awaitSynced(service, stranger);
        long fresh = stranger.bytesExchanged();
        System.out.printf("sync bytes to catch up 3 changes on a 2003-change document: resumed=%d fresh=%d%n", resumed, fresh);
        assertThat(peer.doc().keys(ObjectId.ROOT).orElseThrow()).hasSize(2_003);
        assertThat(resumed * 4).isLessThan(fresh);
      }
      peer.close();
    }
  }

  private static void awaitSynced(TestService service, EventBusPeer peer) {
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      JsonObject doc = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", DOC).put("view", false)));
      return peer.heads().equals(doc.getJsonArray("heads").stream().map(Object::toString).sorted().toList());
    });
  }
}
