package dev.docsync.peering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;

/** Two docsync nodes, two databases: node B dials node A; clients on either side converge. */
class ServerToServerTest {

  @Test
  void clientsOnTwoPeeredNodesConverge() {
    try (TestService a = TestService.start()) {
      JsonObject dialA = new JsonObject().put("DOCSYNC_UPSTREAMS", "ws://127.0.0.1:" + a.httpPort() + "/sync");
      try (TestService b = TestService.start(dialA);
           EventBusFrontend onA = new EventBusFrontend(a.vertx(), "s2s-1", "alice");
           EventBusFrontend onB = new EventBusFrontend(b.vertx(), "s2s-1", "bob")) {
        onA.open();
        onB.open(); // B now holds the document, so it syncs it with A
        for (int i = 0; i < 20; i++) {
          int n = i;
          Await.result(onA.change(tx -> tx.set(ObjectId.ROOT, "a" + n, n)));
          Await.result(onB.change(tx -> tx.set(ObjectId.ROOT, "b" + n, n)));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> onA.heads().equals(onB.heads()));
        assertThat(onA.doc().keys(ObjectId.ROOT).orElseThrow()).hasSize(40);

        // B restarts: the link resumes and a change made on A while B was down arrives.
        b.restart();
        Await.result(onA.change(tx -> tx.set(ObjectId.ROOT, "while-b-was-down", true)));
        await().atMost(Duration.ofSeconds(20)).until(() -> view(b, "s2s-1").containsKey("while-b-was-down"));
        assertThat(view(b, "s2s-1").size()).isEqualTo(41);
      }
    }
  }

  private static JsonObject view(TestService service, String docId) {
    return Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", docId))).getJsonObject("view");
  }
}
