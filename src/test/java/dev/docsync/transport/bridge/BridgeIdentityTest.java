package dev.docsync.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.auth.Tokens;
import dev.docsync.limits.BridgeClient;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bridged clients with real tokens against each other (authentication on): the real
 * {@code @vertx/eventbus-bridge-client.js} over SockJS, and raw frames over the TCP bridge. Whatever a
 * client sends, it reaches only what its own token and its own socket own, and every refusal reaches the
 * request's reply handler with its code and reason.
 */
class BridgeIdentityTest {
  private static TestService service;
  private static Tokens tokens;
  private static NodeBridgeClient node;

  @BeforeAll
  static void start() {
    NodeBridgeClient.assumeNode();
    service = TestService.start(Tokens.authOn().put("DOCSYNC_BRIDGE_TCP_ENABLED", true).put("DOCSYNC_BRIDGE_TCP_PORT", 0));
    tokens = new Tokens(service.vertx(), Tokens.SECRET);
    node = NodeBridgeClient.start();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (service != null) {
      service.close();
    }
  }

  @Test
  void aReaderCannotCloseAnotherFrontendsOpen() {
    String docId = "shared-close";
    node.connect("wendy", service.httpPort(), tokens.token("wendy", List.of(), List.of("shared-*"), 300));
    node.connect("rita", service.httpPort(), tokens.token("rita", List.of("shared-*"), List.of(), 300));
    node.ok("amOpen", new JsonObject().put("conn", "wendy").put("docId", docId));
    node.register("wendy", "docsync.changes." + docId);
    for (int i = 0; i < 3; i++) {
      JsonObject close = send("rita", "docsync.frontend", new JsonObject().put("type", "CLOSE").put("docId", docId));
      assertThat(close.containsKey("reply")).as("CLOSE is harmless, so answered: %s", close).isTrue();
    }
    node.ok("amPut", new JsonObject().put("conn", "wendy").put("docId", docId).put("key", "k").put("value", 1));
    JsonObject event = node.waitMessages("wendy", "docsync.changes." + docId, 1).get(0);
    assertThat(event.getJsonObject("view")).as("view diff of wendy's OPEN after rita's CLOSEs: %s", event).isNotNull();
    assertThat(event.getJsonObject("view").getJsonObject("changed").getInteger("k")).isEqualTo(1);
  }

  @Test
  void aChatRetryKeyBelongsToItsAuthor() {
    String docId = "shared-chat";
    node.connect("ada", service.httpPort(), tokens.token("ada", List.of(), List.of("shared-*"), 300));
    node.connect("bob", service.httpPort(), tokens.token("bob", List.of(), List.of("shared-*"), 300));
    JsonObject squat = node.request("bob", "docsync.chat", chat(docId, "bob", "ada-18", "squatted"));
    JsonObject real = node.request("ada", "docsync.chat", chat(docId, "ada", "ada-18", "the real one"));
    assertThat(real.getString("text")).isEqualTo("the real one");
    assertThat(real.getLong("id")).isNotEqualTo(squat.getLong("id"));
    JsonObject retry = node.request("ada", "docsync.chat", chat(docId, "ada", "ada-18", "the real one"));
    assertThat(retry.getLong("id")).isEqualTo(real.getLong("id")); // a retry is still stored once
    JsonObject history = node.request("ada", "docsync.chat", new JsonObject().put("type", "HISTORY").put("docId", docId));
    assertThat(history.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("text")))
        .containsExactly("squatted", "the real one");
  }

  @Test
  void presenceListIsAllowedUnderAuth() {
    node.connect("lister", service.httpPort(), tokens.token("lister", List.of("shared-*"), List.of(), 300));
    JsonObject list = send("lister", "docsync.presence", new JsonObject().put("type", "LIST").put("docId", "shared-list"));
    assertThat(list.containsKey("reply")).as("LIST: %s", list).isTrue();
    assertThat(list.getJsonObject("reply").getJsonArray("participants")).isEmpty();
  }

  @Test
  void refusalsReachTheReplyHandlerWithCodeAndReasonOverSockJs() {
    node.connect("sender", service.httpPort(), tokens.token("sender", List.of("shared-*"), List.of(), 300));
    assertFailure(send("sender", "docsync.frontend", new JsonObject().put("type", "FOO").put("docId", "shared-1")),
        2, "UNKNOWN_TYPE");
    assertFailure(send("sender", "docsync.frontend", new JsonObject()), 1, "MALFORMED_MESSAGE");
    assertFailure(send("sender", "docsync.frontend", new JsonObject().put("type", "OPEN").put("docId", "private-1")),
        14, "FORBIDDEN");
    assertFailure(send("sender", "docsync.presence", new JsonObject().put("type", "UPDATE").put("docId", "shared-1")
        .put("participantId", "someone-else").put("state", new JsonObject())), 14, "identity rule");
  }

  @Test
  void refusalsReachTheReplyAddressWithCodeAndReasonOverTcp() {
    String token = tokens.token("sender", List.of("shared-*"), List.of(), 300);
    try (BridgeClient tcp = BridgeClient.tcp(service.vertx(), service.verticle().bridges().tcpPort(), null)) {
      assertTcpFailure(tcp, token, new JsonObject().put("type", "FOO").put("docId", "shared-1"), 2, "UNKNOWN_TYPE");
      assertTcpFailure(tcp, token, new JsonObject(), 1, "MALFORMED_MESSAGE");
      assertTcpFailure(tcp, token, new JsonObject().put("type", "OPEN").put("docId", "private-1"), 14, "FORBIDDEN");
    }
  }

  private static void assertTcpFailure(BridgeClient tcp, String token, JsonObject body, int code, String reason) {
    String replyAddress = UUID.randomUUID().toString();
    tcp.send(new JsonObject().put("type", "send").put("address", "docsync.frontend").put("body", body)
        .put("replyAddress", replyAddress).put("headers", new JsonObject().put("authorization", "Bearer " + token)));
    JsonObject failure = tcp.reply(replyAddress);
    assertThat(failure.getString("type")).isEqualTo("err");
    assertThat(failure.getInteger("failureCode")).as("%s", failure).isEqualTo(code);
    assertThat(failure.getString("message")).contains(reason);
  }

  private static void assertFailure(JsonObject result, int code, String reason) {
    assertThat(result.containsKey("error")).as("a failure on the reply handler, not a timeout: %s", result).isTrue();
    JsonObject error = result.getJsonObject("error");
    assertThat(error.getInteger("failureCode")).as("%s", error).isEqualTo(code);
    assertThat(error.getString("message")).contains(reason);
  }

  private static JsonObject chat(String docId, String author, String clientId, String text) {
    return new JsonObject().put("type", "SEND").put("docId", docId).put("author", author).put("clientId", clientId).put("text", text);
  }

  private static JsonObject send(String conn, String address, JsonObject body) {
    return node.ok("send", new JsonObject().put("conn", conn).put("address", address).put("body", body).put("timeoutMs", 3_000));
  }
}
