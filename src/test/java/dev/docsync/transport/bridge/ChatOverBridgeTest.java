package dev.docsync.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.chat.ChatAddresses;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Chat between bridged clients (real eventbus-bridge-client.js in Node): live delivery, history, durability. */
class ChatOverBridgeTest {
  private static TestService service;

  @BeforeAll
  static void start() throws Exception {
    NodeBridgeClient.assumeNode();
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    service = TestService.start(new JsonObject().put("DOCSYNC_CHAT_HISTORY_LIMIT", 3).put("DOCSYNC_CHAT_MAX_TEXT_CHARS", 100));
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  private static JsonObject send(String docId, String author, String text) {
    return new JsonObject().put("type", "SEND").put("docId", docId).put("author", author).put("text", text);
  }

  private static JsonObject history(String docId) {
    return new JsonObject().put("type", "HISTORY").put("docId", docId);
  }

  @Test
  void twoParticipantsChatALateJoinerGetsTheHistoryAndItSurvivesARestart() {
    String docId = "chat-" + UUID.randomUUID();
    String events = ChatAddresses.events(docId);
    try (NodeBridgeClient node = NodeBridgeClient.start()) {
      node.connect("alice", service.httpPort());
      node.connect("bob", service.httpPort());
      node.register("alice", events);
      node.register("bob", events);

      JsonObject sent = node.request("alice", ChatAddresses.REQUESTS, send(docId, "Alice", "Hi Bob"));
      assertThat(sent.getLong("id")).isPositive();
      assertThat(sent.getLong("time")).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
      assertThat(node.waitMessages("bob", events, 1).get(0).getString("text")).isEqualTo("Hi Bob");
      node.request("bob", ChatAddresses.REQUESTS, send(docId, "Bob", "Hello Alice"));
      List<JsonObject> aliceSaw = node.waitMessages("alice", events, 2);
      assertThat(aliceSaw).extracting(m -> m.getString("author")).containsExactly("Alice", "Bob");
      assertThat(aliceSaw.get(1).fieldNames()).contains("event", "id", "docId", "author", "text", "time");

      // Carol joins later: subscribe, then ask for the history
      node.connect("carol", service.httpPort());
      node.register("carol", events);
      JsonArray carolHistory = node.request("carol", ChatAddresses.REQUESTS, history(docId)).getJsonArray("messages");
      assertThat(texts(carolHistory)).containsExactly("Hi Bob", "Hello Alice");
    }

    service.restart();

    try (NodeBridgeClient node = NodeBridgeClient.start()) {
      node.connect("dave", service.httpPort());
      JsonArray afterRestart = node.request("dave", ChatAddresses.REQUESTS, history(docId)).getJsonArray("messages");
      assertThat(texts(afterRestart)).containsExactly("Hi Bob", "Hello Alice");
    }
  }

  @Test
  void historyIsTheLatestNOldestFirstAndPagesBackwards() {
    String docId = "chat-" + UUID.randomUUID();
    for (int i = 1; i <= 5; i++) {
      Await.result(bus(send(docId, "Ann", "m" + i)));
    }
    JsonArray latest = Await.result(bus(history(docId).put("limit", 10))).getJsonArray("messages");
    assertThat(texts(latest)).containsExactly("m3", "m4", "m5"); // capped by DOCSYNC_CHAT_HISTORY_LIMIT
    long oldestId = latest.getJsonObject(0).getLong("id");
    JsonArray before = Await.result(bus(history(docId).put("before", oldestId))).getJsonArray("messages");
    assertThat(texts(before)).containsExactly("m1", "m2");
  }

  @Test
  void aRetriedSendIsStoredAndPublishedOnce() {
    String docId = "chat-" + UUID.randomUUID();
    JsonObject first = Await.result(bus(send(docId, "Ann", "once").put("clientId", "msg-1")));
    JsonObject retry = Await.result(bus(send(docId, "Ann", "once").put("clientId", "msg-1")));
    assertThat(retry.getLong("id")).isEqualTo(first.getLong("id"));
    assertThat(Await.result(bus(history(docId))).getJsonArray("messages")).hasSize(1);
  }

  @Test
  void badMessagesAreRefused() {
    String docId = "chat-" + UUID.randomUUID();
    assertThat(failureCode(send(docId, "Ann", "x".repeat(101)))).isEqualTo(8);
    assertThat(failureCode(send(docId, "Ann", " "))).isEqualTo(1);
    assertThat(failureCode(send(docId, null, "hi"))).isEqualTo(1);
    assertThat(failureCode(history(docId).put("limit", 0))).isEqualTo(1);
    assertThat(failureCode(new JsonObject().put("type", "EDIT").put("docId", docId))).isEqualTo(2);
    assertThat(failureCode(send("no spaces", "Ann", "hi"))).isEqualTo(3);
  }

  private static List<String> texts(JsonArray messages) {
    return messages.stream().map(JsonObject.class::cast).map(m -> m.getString("text")).toList();
  }

  private static io.vertx.core.Future<JsonObject> bus(JsonObject body) {
    return service.vertx().eventBus().<JsonObject>request(ChatAddresses.REQUESTS, body).map(m -> m.body());
  }

  private static int failureCode(JsonObject body) {
    return ((ReplyException) Await.failure(bus(body))).failureCode();
  }
}
