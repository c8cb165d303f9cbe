package dev.docsync.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.auth.Tokens;
import dev.docsync.limits.BridgeClient;
import dev.docsync.limits.Metrics;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence attacks over /sync, as a client with a real token would mount them: automerge-repo Presence
 * messages (CBOR ephemerals) from a read-only peer that picked another user's id, and oversized states.
 * The victim is a bridged client (raw SockJS, token in the frame headers). Authentication on.
 */
class WsPresenceSecurityTest {
  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode();
  private static TestService service;
  private static Tokens tokens;

  @BeforeAll
  static void start() {
    service = docsync.service();
    tokens = service.tokens();
  }

  @Test
  void aPeerThatPicksAnotherUsersIdNeitherChangesNorRemovesThatUsersParticipant() {
    String docId = "room-spoof";
    String ada = tokens.token("ada", List.of(), List.of("room-*"), 300);
    try (BridgeClient victim = BridgeClient.sockJs(service.vertx(), service.httpPort(), null);
         WsClient mallory = WsClient.connectWithToken(service.vertx(), service.httpPort(),
             tokens.token("mallory", List.of(docId), List.of(), 300))) {
      register(victim, ada, "docsync.presence." + docId);
      assertThat(call(victim, ada, "docsync.presence", update(docId, "ada/tab-1", new JsonObject().put("cursor", "a")))
          .getString("type")).isEqualTo("rec");

      mallory.join("ada/tab-1"); // the victim's participant id as its peerId
      syncs(mallory, docId);
      mallory.send(ephemeral(mallory, docId, 1, Map.of("type", "update", "channel", "cursor", "value", "evil")));
      mallory.send(ephemeral(mallory, docId, 2, Map.of("type", "goodbye")));

      JsonObject leave = victim.next(f -> f.getValue("body") instanceof JsonObject b && "leave".equals(b.getString("event")));

      JsonObject heartbeat = call(victim, ada, "docsync.presence", new JsonObject().put("type", "HEARTBEAT")
          .put("docId", docId).put("participantId", "ada/tab-1"));
      assertThat(heartbeat.getString("type")).as("HEARTBEAT after the attack: %s", heartbeat).isEqualTo("rec");
      assertThat(leave.getJsonObject("body").getString("subject")).isEqualTo("mallory"); // its own participant left
      JsonArray participants = list(victim, ada, docId);
      assertThat(participants).hasSize(1);
      JsonObject mine = participants.getJsonObject(0);
      assertThat(mine.getString("subject")).isEqualTo("ada");
      assertThat(mine.getJsonObject("state").getString("cursor")).isEqualTo("a");
    }
  }

  @Test
  void anOversizedPresenceStateIsRefusedToTheSenderAndNeitherKeptNorPublished() {
    String docId = "room-big";
    String ada = tokens.token("ada", List.of(), List.of("room-*"), 300);
    String reader = tokens.token("mallory", List.of(docId), List.of(), 300);
    double before = rejectedTooLarge();
    try (BridgeClient watcher = BridgeClient.sockJs(service.vertx(), service.httpPort(), null)) {
      register(watcher, ada, "docsync.presence." + docId);
      call(watcher, ada, "docsync.presence", update(docId, "ada", new JsonObject().put("cursor", "a")));
      long heapBefore = heapMiB();
      String blob = "x".repeat(8 << 20); // 8 MiB, as in the review
      long slowestMs = 0;
      for (int i = 0; i < ATTACKERS; i++) {
        try (WsClient mallory = WsClient.connectWithToken(service.vertx(), service.httpPort(), reader)) {
          mallory.join("mallory-" + i);
          syncs(mallory, docId);
          long sent = System.nanoTime();
          mallory.send(ephemeral(mallory, docId, 1, Map.of("type", "snapshot", "state", Map.of("blob", blob))));
          Map<String, Object> error = mallory.next(m -> "error".equals(m.get("type")));
          slowestMs = Math.max(slowestMs, (System.nanoTime() - sent) / 1_000_000);
          assertThat((String) error.get("message")).startsWith("TOO_LARGE").contains("DOCSYNC_PRESENCE_MAX_STATE_BYTES");
          // The client stays connected, as for any refused input.
          assertThat(mallory.isClosed()).isFalse();
        }
      }
      blob = null; // the test's own copy
      JsonArray participants = list(watcher, ada, docId);
      long heldMiB = heapMiB() - heapBefore;
      assertThat(participants).hasSize(1); // Ada only
      assertThat(heldMiB).as("heap held after %d refused 8 MiB states", ATTACKERS).isLessThan(40);
      assertThat(watcher.drain()).noneMatch(f -> f.encode().contains("xxxxxxxxxxxxxxxx"));
      assertThat(rejectedTooLarge() - before).isGreaterThanOrEqualTo(ATTACKERS);
      System.out.printf("%d x 8 MiB presence states over /sync: each refused within %d ms; heap held afterwards: %d MiB%n",
          ATTACKERS, slowestMs, heldMiB);
    }
  }

  @Test
  void stateThatGrowsPastTheLimitUpdateByUpdateIsRefusedToo() {
    String docId = "room-grow";
    try (WsClient mallory = WsClient.connectWithToken(service.vertx(), service.httpPort(),
        tokens.token("mallory", List.of(docId), List.of(), 300))) {
      mallory.join("mallory-grow");
      syncs(mallory, docId);
      for (int i = 0; i < 8; i++) {
        mallory.send(ephemeral(mallory, docId, 1 + i, Map.of("type", "update", "channel", "c" + i, "value", "y".repeat(3000))));
      }
      Map<String, Object> grown = mallory.next(m -> "error".equals(m.get("type")));
      assertThat((String) grown.get("message")).startsWith("TOO_LARGE").contains("after this update");
    }
  }

  @Test
  void theBridgeTakesTheSameLimitOnTheMergedState() {
    String docId = "room-merge";
    String ada = tokens.token("ada", List.of(), List.of("room-*"), 300);
    try (BridgeClient client = BridgeClient.sockJs(service.vertx(), service.httpPort(), null)) {
      JsonObject refused = null;
      for (int i = 0; i < 8 && refused == null; i++) {
        JsonObject reply = call(client, ada, "docsync.presence", update(docId, "ada", new JsonObject().put("k" + i, "z".repeat(3000))));
        if ("err".equals(reply.getString("type"))) {
          refused = reply;
        }
      }
      assertThat(refused).isNotNull();
      assertThat(refused.getInteger("failureCode")).isEqualTo(8); // TOO_LARGE
      assertThat(refused.getString("message")).contains("after this update");
    }
  }

  // ---- helpers ----

  private static final int ATTACKERS = 10;

  /** Heap in use after full collections, in MiB (the test clients share the JVM and hold nothing). */
  private static long heapMiB() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  /** docsync_presence_rejected_total{reason="TOO_LARGE"}, read as an operator would (admin token). */
  private static double rejectedTooLarge() {
    try {
      java.net.http.HttpResponse<String> scrape = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + service.httpPort() + "/metrics"))
              .header("Authorization", "Bearer " + tokens.admin(600)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      return Metrics.sum(scrape.body(), "docsync_presence_rejected_total", "reason=\"TOO_LARGE\"");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The client has the document open on /sync, so the server's refusals about it reach it. */
  private static void syncs(WsClient client, String docId) {
    client.sendDoc("request", docId, WsSyncPeer.emptyDocSyncMessage());
    client.next(m -> docId.equals(m.get("documentId")));
  }

  private static Map<String, Object> ephemeral(WsClient client, String docId, long count, Map<String, Object> presence) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("type", "ephemeral");
    message.put("senderId", client.peerId());
    message.put("targetId", client.serverPeerId());
    message.put("documentId", docId);
    message.put("sessionId", "session-" + client.peerId());
    message.put("count", count);
    message.put("data", WsClient.encode(Map.of("__presence", presence)));
    return message;
  }

  private static JsonObject update(String docId, String participantId, JsonObject state) {
    return new JsonObject().put("type", "UPDATE").put("docId", docId).put("participantId", participantId).put("state", state);
  }

  private static JsonArray list(BridgeClient client, String token, String docId) {
    JsonObject reply = call(client, token, "docsync.presence", new JsonObject().put("type", "LIST").put("docId", docId));
    assertThat(reply.getString("type")).as("LIST: %s", reply).isEqualTo("rec");
    return reply.getJsonObject("body").getJsonArray("participants");
  }

  /** The reply frame (rec) or failure frame (err) of a request carrying the token. */
  static JsonObject call(BridgeClient client, String token, String address, JsonObject body) {
    String replyAddress = UUID.randomUUID().toString();
    client.send(new JsonObject().put("type", "send").put("address", address).put("body", body)
        .put("replyAddress", replyAddress).put("headers", auth(token)));
    return client.reply(replyAddress);
  }

  private static void register(BridgeClient client, String token, String address) {
    client.send(new JsonObject().put("type", "register").put("address", address).put("headers", auth(token)));
  }

  private static JsonObject auth(String token) {
    return new JsonObject().put("authorization", "Bearer " + token);
  }
}
