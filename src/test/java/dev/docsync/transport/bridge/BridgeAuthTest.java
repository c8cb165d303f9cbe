package dev.docsync.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.auth.Tokens;
import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.automerge.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real eventbus-bridge-client.js against a node with authentication on: the token travels in
 * every frame's headers; without one that opens the document nothing is read or written.
 */
class BridgeAuthTest {
  private static TestService service;
  private static Tokens tokens;
  private static NodeBridgeClient node;
  private static EventBusFrontend owner;

  @BeforeAll
  static void start() {
    NodeBridgeClient.assumeNode();
    service = TestService.start(Tokens.authOn());
    tokens = new Tokens(service.vertx(), Tokens.SECRET);
    owner = new EventBusFrontend(service.vertx(), "team-1", "owner");
    owner.open();
    Await.result(owner.change(tx -> tx.set(ObjectId.ROOT, "title", 1)));
    node = NodeBridgeClient.start();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (owner != null) {
      owner.close();
    }
    if (service != null) {
      service.close();
    }
  }

  @Test
  void withoutAValidTokenForTheDocumentNothingIsReadOrWritten() {
    String forged = new Tokens(service.vertx(), "another-secret-of-at-least-thirty-two-bytes").token(List.of("*"), List.of("*"), 300);
    String expired = tokens.token(List.of("*"), List.of("*"), -300);
    String otherDocs = tokens.token(List.of("other-*"), List.of("other-*"), 300);
    String[][] strangers = {{"anonymous", null}, {"forged", forged}, {"expired", expired}, {"other", otherDocs}};
    for (String[] stranger : strangers) {
      node.connect(stranger[0], service.httpPort(), stranger[1]);
      JsonObject open = refusable(stranger[0], new JsonObject().put("type", "OPEN").put("docId", "team-1"));
      assertThat(open.containsKey("reply")).as("OPEN by %s", stranger[0]).isFalse();
      JsonObject write = refusable(stranger[0], new JsonObject().put("type", "LOCAL_CHANGE")
          .put("docId", "team-1").put("change", "hW9Kg7galUQABAAAAAA="));
      assertThat(write.containsKey("reply")).as("LOCAL_CHANGE by %s", stranger[0]).isFalse();
    }
    // Refusals reach the client only as bridge errors (eb.onerror); a subscription is refused too.
    node.register("anonymous", "docsync.changes.team-1");
    Await.result(owner.change(tx -> tx.set(ObjectId.ROOT, "unseen", 1)));
    assertThat(node.messages("anonymous", "docsync.changes.team-1")).isEmpty();
    assertThat(node.ok("errors", new JsonObject().put("conn", "anonymous")).getJsonArray("errors")).hasSizeGreaterThanOrEqualTo(2);
    assertThat(view().getLong("title")).isEqualTo(1L);
  }

  @Test
  void aReadOnlyTokenReadsAndCannotWrite() {
    node.connect("reader", service.httpPort(), tokens.token(List.of("team-1"), List.of(), 300));
    node.ok("amOpen", new JsonObject().put("conn", "reader").put("docId", "team-1"));
    JsonObject refused = refusable("reader", new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "team-1")
        .put("change", "hW9Kg7galUQABAAAAAA="));
    assertThat(refused.containsKey("reply")).isFalse();

    Await.result(owner.change(tx -> tx.set(ObjectId.ROOT, "news", 2)));
    node.ok("amWait", new JsonObject().put("conn", "reader").put("docId", "team-1").put("key", "news").put("value", 2));
    assertThat(view().containsKey("graffiti")).isFalse();

    node.connect("writer", service.httpPort(), tokens.token(List.of(), List.of("team-*"), 300));
    node.ok("amOpen", new JsonObject().put("conn", "writer").put("docId", "team-1"));
    node.ok("amPut", new JsonObject().put("conn", "writer").put("docId", "team-1").put("key", "fromWriter").put("value", 3));
    assertThat(view().getLong("fromWriter")).isEqualTo(3L);
  }

  @Test
  void presenceAndChatSpeakOnlyAsTheTokensSubject() {
    node.connect("tester", service.httpPort(), tokens.token(List.of(), List.of("team-*"), 300)); // sub: tester
    assertThat(presence("tester/tab-1", 10_000).containsKey("reply")).isTrue();
    assertThat(presence("someone-else", 1_000).containsKey("reply")).isFalse();
    JsonObject impostor = send("tester", "docsync.chat", new JsonObject().put("type", "SEND").put("docId", "team-1")
        .put("author", "someone-else").put("text", "not me"), 1_000);
    assertThat(impostor.containsKey("reply")).isFalse();
    JsonObject own = send("tester", "docsync.chat", new JsonObject().put("type", "SEND").put("docId", "team-1")
        .put("author", "tester").put("text", "me"), 10_000);
    assertThat(own.containsKey("reply")).isTrue();
  }

  private static JsonObject presence(String participantId, int timeoutMs) {
    return send("tester", "docsync.presence", new JsonObject().put("type", "UPDATE").put("docId", "team-1")
        .put("participantId", participantId).put("state", new JsonObject().put("name", "T")), timeoutMs);
  }

  /** A refused frame never gets a reply (only eb.onerror hears of it): wait briefly. */
  private static JsonObject refusable(String conn, JsonObject body) {
    return send(conn, "docsync.frontend", body, 1_000);
  }

  /** The reply, if one comes within {@code timeoutMs}: a refused frame gets none. */
  private static JsonObject send(String conn, String address, JsonObject body, int timeoutMs) {
    return node.ok("send", new JsonObject().put("conn", conn).put("address", address).put("body", body)
        .put("timeoutMs", timeoutMs));
  }

  private static JsonObject view() {
    return Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "team-1"))).getJsonObject("view");
  }
}
