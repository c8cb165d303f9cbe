package dev.docsync.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.presence.PresenceAddresses;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A bridged event-bus client and an automerge-repo WebSocket client (/sync) on one document: they
 * converge, and they see each other's presence (automerge-repo's Presence on the WebSocket side).
 */
class BridgeWebSocketInteropTest {
  private static TestService service;
  private NodeBridgeClient node;

  @BeforeAll
  static void start() throws Exception {
    NodeBridgeClient.assumeNode();
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    service = TestService.start();
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  @BeforeEach
  void startNode() {
    node = NodeBridgeClient.start();
    node.connect("bus", service.httpPort());
  }

  @AfterEach
  void stopNode() {
    node.close();
  }

  private String startRepo(String name, String peerId, JsonObject value) {
    node.ok("repoStart", new JsonObject().put("repo", name).put("peerId", peerId)
        .put("url", "ws://127.0.0.1:" + service.httpPort() + "/sync"));
    node.ok("repoConnected", new JsonObject().put("repo", name));
    return value == null ? null : node.ok("repoCreate", new JsonObject().put("repo", name).put("value", value)).getString("documentId");
  }

  @Test
  void aBridgedClientAndAWebSocketClientEditOneDocumentAndConverge() {
    String docId = startRepo("walt", "ws-walt", new JsonObject().put("title", "made over /sync"));
    node.ok("amOpen", new JsonObject().put("conn", "bus").put("docId", docId));
    node.ok("amWait", new JsonObject().put("conn", "bus").put("docId", docId).put("key", "title").put("value", "made over /sync"));

    node.ok("amPut", new JsonObject().put("conn", "bus").put("docId", docId).put("key", "fromBus").put("value", "bus"));
    node.ok("repoWait", new JsonObject().put("repo", "walt").put("docId", docId).put("key", "fromBus").put("value", "bus"));
    node.ok("repoPut", new JsonObject().put("repo", "walt").put("docId", docId).put("key", "fromWs").put("value", "ws"));
    node.ok("amWait", new JsonObject().put("conn", "bus").put("docId", docId).put("key", "fromWs").put("value", "ws"));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonObject bus = node.ok("amDoc", new JsonObject().put("conn", "bus").put("docId", docId));
      JsonObject ws = node.ok("repoDoc", new JsonObject().put("repo", "walt").put("docId", docId));
      assertThat(bus.getJsonArray("heads")).isEqualTo(ws.getJsonArray("heads"));
      assertThat(bus.getJsonObject("json")).isEqualTo(ws.getJsonObject("json"));
    });
  }

  @Test
  void bridgedAndWebSocketParticipantsSeeEachOthersPresence() {
    String docId = startRepo("walt", "ws-walt", new JsonObject().put("title", "presence"));
    String events = PresenceAddresses.events(docId);
    node.register("bus", events);
    node.ok("presenceStart", new JsonObject().put("repo", "walt").put("docId", docId).put("heartbeatMs", 1000).put("peerTtlMs", 5000)
        .put("state", new JsonObject().put("user", new JsonObject().put("name", "Walt").put("color", "#2196f3")).putNull("cursor")));

    // bus -> WebSocket: a bridged participant appears in automerge-repo's Presence
    node.request("bus", PresenceAddresses.REQUESTS, new JsonObject().put("type", "UPDATE").put("docId", docId)
        .put("participantId", "bus-bea").put("state", new JsonObject()
            .put("user", new JsonObject().put("name", "Bea").put("color", "#4caf50")).put("cursor", "c-1")));
    JsonObject peers = node.ok("presenceWait", new JsonObject().put("repo", "walt").put("docId", docId)
        .put("peerId", "bus-bea").put("key", "cursor").put("value", "c-1")).getJsonObject("peers");
    assertThat(peers.getJsonObject("bus-bea").getJsonObject("value").getJsonObject("user").getString("name")).isEqualTo("Bea");

    // WebSocket -> bus: the repo's Presence state arrives as a join of its peerId
    await().atMost(Duration.ofSeconds(5)).until(() -> node.messages("bus", events).stream()
        .anyMatch(e -> "ws-walt".equals(e.getString("participantId")) && "join".equals(e.getString("event"))));
    JsonObject waltJoined = node.messages("bus", events).stream()
        .filter(e -> "ws-walt".equals(e.getString("participantId")) && "join".equals(e.getString("event"))).findFirst().orElseThrow();
    assertThat(waltJoined.getString("via")).isEqualTo("ws");
    assertThat(waltJoined.getJsonObject("state").getJsonObject("user").getString("name")).isEqualTo("Walt");

    double[] toWs = NodeBridgeClient.samples(node.ok("cursorLatencyToRepo", new JsonObject()
        .put("conn", "bus").put("repo", "walt").put("docId", docId).put("participantId", "bus-bea")));
    double[] fromWs = NodeBridgeClient.samples(node.ok("cursorLatencyFromRepo", new JsonObject()
        .put("conn", "bus").put("repo", "walt").put("docId", docId).put("participantId", "ws-walt")));
    report("bridge->WebSocket", toWs);
    report("WebSocket->bridge", fromWs);
    assertThat(max(toWs)).isLessThan(100.0);
    assertThat(max(fromWs)).isLessThan(100.0);

    // A bus goodbye reaches the repo; the repo's goodbye reaches the bus
    node.request("bus", PresenceAddresses.REQUESTS, new JsonObject().put("type", "LEAVE").put("docId", docId).put("participantId", "bus-bea"));
    node.ok("presenceWait", new JsonObject().put("repo", "walt").put("docId", docId).put("peerId", "bus-bea").put("gone", true));
    node.ok("presenceStop", new JsonObject().put("repo", "walt").put("docId", docId));
    await().atMost(Duration.ofSeconds(5)).until(() -> leaveOf("ws-walt", events) != null);
    assertThat(leaveOf("ws-walt", events).getString("reason")).isEqualTo("goodbye");
  }

  @Test
  void aWebSocketParticipantIsSeenEvenIfItAnnouncedItselfBeforeTheServerListenedAndLeavesOnDisconnect() {
    String events;
    node.ok("repoStart", new JsonObject().put("repo", "wes").put("peerId", "ws-wes")
        .put("url", "ws://127.0.0.1:" + service.httpPort() + "/sync"));
    // Presence starts with the document, before the socket is even open: its snapshot reaches no one,
    // and automerge-repo's Presence re-announces itself only to senders it has not heard yet.
    String docId = node.ok("repoCreate", new JsonObject().put("repo", "wes").put("value", new JsonObject().put("title", "t"))
        .put("presence", new JsonObject().put("user", new JsonObject().put("name", "Wes")))).getString("documentId");
    events = PresenceAddresses.events(docId);
    node.register("bus", events); // a pure listener: no bus participant joins, so nothing else makes Wes re-announce
    String address = events;
    await().atMost(Duration.ofSeconds(5)).until(() -> node.messages("bus", address).stream()
        .anyMatch(e -> "ws-wes".equals(e.getString("participantId")) && e.getJsonObject("state") != null
            && e.getJsonObject("state").getJsonObject("user") != null));
    JsonObject list = node.request("bus", PresenceAddresses.REQUESTS, new JsonObject().put("type", "LIST").put("docId", docId));
    assertThat(list.getJsonArray("participants").getJsonObject(0).getJsonObject("state").getJsonObject("user").getString("name"))
        .isEqualTo("Wes");

    node.ok("repoShutdown", new JsonObject().put("repo", "wes")); // the socket closes; Presence never says goodbye
    await().atMost(Duration.ofSeconds(10)).until(() -> leaveOf("ws-wes", address) != null);
    assertThat(leaveOf("ws-wes", address).getString("reason")).isEqualTo("disconnect");
  }

  private JsonObject leaveOf(String participantId, String events) {
    List<JsonObject> leaves = node.messages("bus", events).stream()
        .filter(e -> participantId.equals(e.getString("participantId")) && "leave".equals(e.getString("event"))).toList();
    return leaves.isEmpty() ? null : leaves.get(0);
  }

  private static double max(double[] samples) {
    return Arrays.stream(samples).max().orElseThrow();
  }

  private static void report(String what, double[] samples) {
    double[] sorted = samples.clone();
    Arrays.sort(sorted);
    System.out.printf("presence cursor latency %s over %d updates: p50 %.2f ms, p95 %.2f ms, max %.2f ms%n",
        what, sorted.length, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.95)], sorted[sorted.length - 1]);
  }
}
