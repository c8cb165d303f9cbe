package dev.docsync.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.chat.ChatAddresses;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.testing.ClusteredNodes;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real clients on two clustered nodes (Hazelcast on loopback): an automerge-repo Repo with its own Presence and an
 * eventbus-bridge-client.js connection on each node, all on one document. Each sees the others' presence, and every
 * presence join and chat message reaches each bridge client once.
 */
class ClusterPresenceInteropTest {
  private static ClusteredNodes cluster;
  private NodeBridgeClient node;

  @BeforeAll
  static void start() {
    NodeBridgeClient.assumeNode();
    cluster = ClusteredNodes.start(2, new JsonObject());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void startNode() {
    node = NodeBridgeClient.start();
  }

  @AfterEach
  void stopNode() {
    node.close();
  }

  @Test
  void repoAndBridgeClientsOnTwoNodesSeeEachOthersPresenceAndChatOnce() {
    String docId = null;
    for (int n = 0; n < 2; n++) {
      String repo = "repo-" + n;
      node.ok("repoStart", new JsonObject().put("repo", repo).put("peerId", "ws-" + n)
          .put("url", "ws://127.0.0.1:" + cluster.node(n).httpPort() + "/sync"));
      node.ok("repoConnected", new JsonObject().put("repo", repo));
      if (docId == null) {
        docId = node.ok("repoCreate", new JsonObject().put("repo", repo).put("value", new JsonObject().put("title", "two nodes")))
            .getString("documentId");
        awaitStored(docId); // else the other repo's find may come first and be answered unavailable
      } else {
        node.ok("repoFind", new JsonObject().put("repo", repo).put("docId", docId));
      }
      node.connect("bus-" + n, cluster.node(n).httpPort());
      node.register("bus-" + n, PresenceAddresses.events(docId));
      node.register("bus-" + n, ChatAddresses.events(docId));
    }
    for (int n = 0; n < 2; n++) {
      node.ok("presenceStart", new JsonObject().put("repo", "repo-" + n).put("docId", docId).put("heartbeatMs", 1000)
          .put("peerTtlMs", 5000).put("state", new JsonObject().put("user", new JsonObject().put("name", "ws " + n))));
      node.request("bus-" + n, PresenceAddresses.REQUESTS, new JsonObject().put("type", "UPDATE").put("docId", docId)
          .put("participantId", "bus-" + n).put("state", new JsonObject().put("cursor", "c-" + n)));
    }

    // Each repo's Presence lists the other repo and both bridge participants, wherever they connected.
    for (int n = 0; n < 2; n++) {
      String repo = "repo-" + n;
      node.ok("presenceWait", new JsonObject().put("repo", repo).put("docId", docId).put("peerId", "ws-" + (1 - n)));
      for (int b = 0; b < 2; b++) {
        node.ok("presenceWait", new JsonObject().put("repo", repo).put("docId", docId).put("peerId", "bus-" + b)
            .put("key", "cursor").put("value", "c-" + b));
      }
    }
    for (int n = 0; n < 2; n++) {
      node.request("bus-" + n, ChatAddresses.REQUESTS, new JsonObject().put("type", "SEND").put("docId", docId)
          .put("author", "bus-" + n).put("text", "hello from node " + n));
    }
    for (int n = 0; n < 2; n++) {
      node.waitMessages("bus-" + n, ChatAddresses.events(docId), 2);
      node.waitMessages("bus-" + n, PresenceAddresses.events(docId), 4);
    }
    sleep(1_000); // duplicates, if any, arrive by now

    for (int n = 0; n < 2; n++) {
      List<JsonObject> presence = node.messages("bus-" + n, PresenceAddresses.events(docId));
      Map<String, Long> joins = presence.stream().filter(e -> "join".equals(e.getString("event")))
          .collect(Collectors.groupingBy(e -> e.getString("participantId"), Collectors.counting()));
      assertThat(joins).as("joins seen by the bridge client on node %d: %s", n, presence)
          .isEqualTo(Map.of("ws-0", 1L, "ws-1", 1L, "bus-0", 1L, "bus-1", 1L));
      assertThat(node.messages("bus-" + n, ChatAddresses.events(docId)).stream().map(m -> m.getString("text")))
          .as("chat on node %d", n).containsExactlyInAnyOrder("hello from node 0", "hello from node 1");
    }

    // A repo that stops its Presence says goodbye: the bridge clients on both nodes see it leave once.
    node.ok("presenceStop", new JsonObject().put("repo", "repo-1").put("docId", docId));
    for (int n = 0; n < 2; n++) {
      String conn = "bus-" + n;
      String events = PresenceAddresses.events(docId);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() ->
          node.messages(conn, events).stream().anyMatch(e -> "leave".equals(e.getString("event"))));
    }
    sleep(500);
    for (int n = 0; n < 2; n++) {
      Function<JsonObject, String> leave = e -> e.getString("participantId") + ":" + e.getString("reason");
      assertThat(node.messages("bus-" + n, PresenceAddresses.events(docId)).stream()
          .filter(e -> "leave".equals(e.getString("event"))).map(leave)).containsExactly("ws-1:goodbye");
    }
  }

  private static void awaitStored(String docId) {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(cluster.baseUrl(1) + "/api/docs/" + docId)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body().contains("two nodes"));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
