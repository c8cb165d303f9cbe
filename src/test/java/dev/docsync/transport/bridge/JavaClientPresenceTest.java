package dev.docsync.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.client.DocHandle;
import dev.docsync.client.DocsyncClient;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;

/**
 * Presence of the Java client ({@code dev.docsync.client.Presence}) with automerge-repo's own {@code Presence}
 * in a real JS repo, through docsync's /sync relay: names, colours and cursors both ways, and goodbye.
 * (Here because {@link NodeBridgeClient}, which drives the JS repo, lives in this package.)
 */
class JavaClientPresenceTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @Test
  void javaAndAutomergeRepoPresenceSeeEachOther() {
    NodeBridgeClient.assumeNode();
    try (TestService docsync = TestService.start(); NodeBridgeClient node = NodeBridgeClient.start();
         DocsyncClient client = DocsyncClient.connect("http://127.0.0.1:" + docsync.httpPort(), null)) {
      node.ok("repoStart", new JsonObject().put("repo", "walt").put("peerId", "ws-walt")
          .put("url", "ws://127.0.0.1:" + docsync.httpPort() + "/sync"));
      node.ok("repoConnected", new JsonObject().put("repo", "walt"));
      String docId = node.ok("repoCreate", new JsonObject().put("repo", "walt").put("value", new JsonObject().put("text", "hello"))
          .put("presence", new JsonObject().put("user", new JsonObject().put("name", "Walt").put("color", "#2196f3")))).getString("documentId");
      node.ok("repoWait", new JsonObject().put("repo", "walt").put("docId", docId).put("key", "text").put("value", "hello"));
      await().atMost(WAIT).until(() -> Await.result(docsync.frontend(new JsonObject().put("type", "READ").put("docId", docId)))
          .getJsonObject("view").containsKey("text"));

      DocHandle doc = Await.result(client.find(docId));
      ObjectId text = doc.read(d -> ((org.automerge.AmValue.Text) d.get(ObjectId.ROOT, "text").orElseThrow()).getId());
      doc.presence().start(new JsonObject().put("user", new JsonObject().put("name", "Ada").put("color", "#FF6B6B")));
      String sent = doc.cursorAt(text, 2);
      assertThat(sent).matches("\\d+@[0-9a-f]+");
      doc.presence().set("cursor", sent);

      // Java -> JS: automerge-repo's Presence lists the Java client under its peerId, name, colour and cursor.
      JsonObject peers = node.ok("presenceWait", new JsonObject().put("repo", "walt").put("docId", docId)
          .put("peerId", client.peerId()).put("key", "cursor").put("value", sent)).getJsonObject("peers");
      assertThat(peers.getJsonObject(client.peerId()).getJsonObject("value").getJsonObject("user").getString("name")).isEqualTo("Ada");
      String cursor = sent;
      assertThat(doc.indexOf(text, cursor)).isEqualTo(2);

      // JS -> Java: the JS user's state and a cursor update.
      await().atMost(WAIT).until(() -> doc.presence().peers().containsKey("ws-walt"));
      Map<String, JsonObject> seen = doc.presence().peers();
      assertThat(seen.get("ws-walt").getJsonObject("user").getString("name")).isEqualTo("Walt");
      node.ok("presenceBroadcast", new JsonObject().put("repo", "walt").put("docId", docId).put("channel", "cursor").put("value", "e"));
      await().atMost(WAIT).until(() -> "e".equals(doc.presence().peers().get("ws-walt").getString("cursor")));
      assertThat(doc.indexOf(text, "e")).isEqualTo(5);

      // Goodbye: the JS side forgets the Java client at once.
      doc.presence().stop();
      node.ok("presenceWait", new JsonObject().put("repo", "walt").put("docId", docId).put("peerId", client.peerId()).put("gone", true));
    }
  }
}
