package dev.docsync.cluster;

import static dev.docsync.cluster.ClusterClientTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.chat.ChatAddresses;
import dev.docsync.limits.BridgeClient;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.testing.Changes;
import dev.docsync.testing.ClusteredNodes;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Presence and chat between clients of one document on two clustered nodes (real Hazelcast on loopback): an
 * automerge-repo WebSocket peer (Presence messages over ephemerals, CBOR) and a SockJS bridge client on each node.
 * Everyone sees everyone else's presence and every chat message exactly once, although both nodes serve the document.
 */
class PresenceAcrossNodesTest {
  private static ClusteredNodes cluster;
  private static Vertx clients;

  @BeforeAll
  static void start() {
    cluster = ClusteredNodes.start(2, new JsonObject());
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    if (clients != null) {
      clients.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void presenceAndChatOfADocumentOwnedByEitherNodeReachClientsOnBothNodesOnce() throws Exception {
    // Presence of a document lives on the node placement picks: one document placed on each node.
    List<String> owners = cluster.node(0).service().membership().documentOwners();
    for (int node = 0; node < 2; node++) {
      String placedHere = cluster.nodeId(node);
      String docId = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "room-" + i)
          .filter(id -> Placement.owner(id, owners).equals(placedHere)).findFirst().orElseThrow();
      talkAbout(docId);
    }
  }

  private void talkAbout(String docId) throws Exception {
    post(0, docId, Changes.set("title", docId)); // the document exists: WebSocket peers may sync it
    List<BridgeClient> bridges = new ArrayList<>();
    List<WsClient> peers = new ArrayList<>();
    try {
      for (int node = 0; node < 2; node++) {
        BridgeClient bridge = BridgeClient.sockJs(clients, cluster.node(node).httpPort(), null);
        bridges.add(bridge);
        bridge.send(new JsonObject().put("type", "register").put("address", PresenceAddresses.events(docId)));
        bridge.send(new JsonObject().put("type", "register").put("address", ChatAddresses.events(docId)));
        WsClient peer = WsClient.connect(clients, cluster.node(node).httpPort());
        peers.add(peer);
        peer.join("ws-" + node + "-" + docId);
        peer.sendDoc("request", docId, WsSyncPeer.emptyDocSyncMessage());
        peer.next(m -> "sync".equals(m.get("type")) && docId.equals(m.get("documentId")));
      }
      Thread.sleep(300); // the bridges' registrations reach the other node

      // A WebSocket peer on each node announces itself with automerge-repo's Presence (a snapshot ephemeral).
      for (int node = 0; node < 2; node++) {
        peers.get(node).send(presence(peers.get(node), docId, 1, Map.of("type", "snapshot",
            "state", Map.of("user", Map.of("name", "ws-" + node)))));
      }
      // Known before the bus participants join: a WebSocket peer joining later makes docsync re-announce every bus
      // participant to the WebSocket peers (as automerge-repo's Presence does), a second snapshot by design.
      awaitTrue(() -> participants(bridges.get(0), docId).size() == 2, "both WebSocket peers are listed");
      // A bridge client on each node joins and says something.
      List<String> sent = new ArrayList<>();
      for (int node = 0; node < 2; node++) {
        BridgeClient bridge = bridges.get(node);
        JsonObject joined = bridge.reply(bridge.request(PresenceAddresses.REQUESTS, new JsonObject().put("type", "UPDATE")
            .put("docId", docId).put("participantId", "anonymous/bridge-" + node)
            .put("state", new JsonObject().put("cursor", "c" + node))));
        assertThat(joined.getString("type")).as("UPDATE: %s", joined).isEqualTo("rec");
        JsonObject said = bridge.reply(bridge.request(ChatAddresses.REQUESTS, new JsonObject().put("type", "SEND")
            .put("docId", docId).put("author", "anonymous/bridge-" + node).put("text", "hello from node " + node)));
        assertThat(said.getString("type")).as("SEND: %s", said).isEqualTo("rec");
        sent.add(said.getJsonObject("body").getString("text"));
      }

      List<String> everyone = List.of("ws-0-" + docId, "ws-1-" + docId, "anonymous/bridge-0", "anonymous/bridge-1");
      for (int node = 0; node < 2; node++) {
        assertThat(participants(bridges.get(node), docId)).as("participants listed on node %d", node)
            .containsExactlyInAnyOrderElementsOf(everyone);
      }
      List<List<JsonObject>> seen = List.of(new ArrayList<>(), new ArrayList<>());
      awaitTrue(() -> {
        for (int node = 0; node < 2; node++) {
          seen.get(node).addAll(bridges.get(node).drain());
        }
        return seen.stream().allMatch(frames -> frames.stream().filter(joinOf(docId)).count() >= 4
            && frames.stream().filter(chatOf(docId)).count() >= 2);
      }, "every bridge client saw four participants join and two chat messages");
      awaitTrue(() -> peers.stream().allMatch(p -> presenceFrom(p, docId).size() >= 3), "every WebSocket peer heard the others");
      Thread.sleep(700); // duplicates, if any, arrive by now

      for (int node = 0; node < 2; node++) {
        List<JsonObject> frames = seen.get(node);
        frames.addAll(bridges.get(node).drain());
        assertThat(frames.stream().filter(joinOf(docId)).map(f -> f.getJsonObject("body").getString("participantId")))
            .as("join events on node %d's bridge", node).containsExactlyInAnyOrderElementsOf(everyone);
        assertThat(frames.stream().filter(chatOf(docId)).map(f -> f.getJsonObject("body").getString("text")))
            .as("chat events on node %d's bridge", node).containsExactlyInAnyOrderElementsOf(sent);
        WsClient peer = peers.get(node);
        Map<String, Long> snapshots = new LinkedHashMap<>();
        presenceFrom(peer, docId).forEach(e -> snapshots.merge(e.get("senderId") + ":" + presenceType(e), 1L, Long::sum));
        assertThat(snapshots).as("Presence messages to the WebSocket peer on node %d", node).isEqualTo(Map.of(
            "ws-" + (1 - node) + "-" + docId + ":snapshot", 1L,
            "anonymous/bridge-0:snapshot", 1L,
            "anonymous/bridge-1:snapshot", 1L));
      }
      JsonObject history = bridges.get(1).reply(bridges.get(1).request(ChatAddresses.REQUESTS,
          new JsonObject().put("type", "HISTORY").put("docId", docId)));
      assertThat(history.getJsonObject("body").getJsonArray("messages").stream()
          .map(m -> ((JsonObject) m).getString("text"))).containsExactlyElementsOf(sent);

      // Leaving: node 1's WebSocket peer and bridge client disconnect; node 0's clients hear each leave once.
      peers.get(1).close();
      bridges.get(1).close();
      List<JsonObject> left = new ArrayList<>();
      awaitTrue(() -> {
        left.addAll(bridges.get(0).drain());
        return left.stream().filter(leaveOf(docId)).count() >= 2;
      }, "node 0's bridge client saw both leave");
      awaitTrue(() -> presenceFrom(peers.get(0), docId).stream().anyMatch(e -> "goodbye".equals(presenceType(e))),
          "node 0's WebSocket peer got the bridge client's goodbye");
      Thread.sleep(500);
      left.addAll(bridges.get(0).drain());
      assertThat(left.stream().filter(leaveOf(docId)).map(f -> f.getJsonObject("body").getString("participantId")
          + ":" + f.getJsonObject("body").getString("reason")))
          .containsExactlyInAnyOrder("ws-1-" + docId + ":disconnect", "anonymous/bridge-1:disconnect");
      assertThat(presenceFrom(peers.get(0), docId).stream().filter(e -> "goodbye".equals(presenceType(e)))
          .map(e -> e.get("senderId"))).containsExactly("anonymous/bridge-1");
      assertThat(participants(bridges.get(0), docId)).containsExactlyInAnyOrder("ws-0-" + docId, "anonymous/bridge-0");
    } finally {
      bridges.forEach(BridgeClient::close);
      peers.forEach(WsClient::close);
    }
  }

  // ---- helpers ----

  private static List<String> participants(BridgeClient bridge, String docId) {
    JsonArray listed = bridge.reply(bridge.request(PresenceAddresses.REQUESTS,
        new JsonObject().put("type", "LIST").put("docId", docId))).getJsonObject("body").getJsonArray("participants");
    return listed.stream().map(p -> ((JsonObject) p).getString("participantId")).toList();
  }

  private static Map<String, Object> presence(WsClient client, String docId, long count, Map<String, Object> payload) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("type", "ephemeral");
    message.put("senderId", client.peerId());
    message.put("targetId", client.serverPeerId());
    message.put("documentId", docId);
    message.put("sessionId", "session-" + client.peerId());
    message.put("count", count);
    message.put("data", WsClient.encode(Map.of("__presence", payload)));
    return message;
  }

  /** Presence ephemerals the peer received about the document, probes left out. */
  private static List<Map<String, Object>> presenceFrom(WsClient peer, String docId) {
    return peer.received().stream()
        .filter(m -> "ephemeral".equals(m.get("type")) && docId.equals(m.get("documentId")))
        .filter(m -> !"docsync-presence-probe".equals(m.get("senderId")))
        .filter(m -> presenceType(m) != null)
        .toList();
  }

  @SuppressWarnings("unchecked")
  private static String presenceType(Map<String, Object> ephemeral) {
    Object inner = WsClient.decode((byte[]) ephemeral.get("data")).get("__presence");
    return inner instanceof Map<?, ?> map ? (String) ((Map<String, Object>) map).get("type") : null;
  }

  private static Predicate<JsonObject> joinOf(String docId) {
    return f -> PresenceAddresses.events(docId).equals(f.getString("address"))
        && "join".equals(f.getJsonObject("body").getString("event"));
  }

  private static Predicate<JsonObject> leaveOf(String docId) {
    return f -> PresenceAddresses.events(docId).equals(f.getString("address"))
        && "leave".equals(f.getJsonObject("body").getString("event"));
  }

  private static Predicate<JsonObject> chatOf(String docId) {
    return f -> ChatAddresses.events(docId).equals(f.getString("address"));
  }

  private static void post(int node, String docId, byte[] change) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(cluster.baseUrl(node) + "/api/docs/" + docId + "/changes"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(change)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }
}
