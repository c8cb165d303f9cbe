package dev.docsync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fixture itself: several nodes on one database, their clients, and asynchronous checks with vertx-junit5. */
@ExtendWith(VertxExtension.class)
class DocsyncExtensionTest {
  @RegisterExtension
  final DocsyncExtension cluster = DocsyncExtension.nodes(2);

  @Test
  void nodesShareOneDatabaseAndEachHasItsOwnHttpPort() {
    TestService a = cluster.node(0);
    TestService b = cluster.node(1);
    assertThat(a.httpPort()).isNotEqualTo(b.httpPort());
    assertThat(a.pgUrl()).isEqualTo(b.pgUrl()).isEqualTo(cluster.pgUrl());

    assertThat(a.rest().postChange("shared-1", Changes.set("title", "from a")).statusCode()).isEqualTo(200);
    // No clustering yet: b has not loaded the document, so it reads what a stored.
    JsonObject read = new JsonObject(b.rest().get("/api/docs/shared-1").body());
    assertThat(read.getJsonObject("view").getString("title")).isEqualTo("from a");

    TestService c = cluster.startNode();
    assertThat(cluster.running()).containsExactly(a, b, c);
    assertThat(c.heads("shared-1")).isEqualTo(a.heads("shared-1"));
  }

  @Test
  void authenticationIsOnAndTheClientsCarryTokens(TestService service) {
    assertThat(service.rest(null).get("/api/docs/anything").statusCode()).isEqualTo(401);
    String reader = service.token(List.of("doc-*"), List.of());
    assertThat(service.rest(reader).postChange("doc-1", Changes.set("k", "v")).statusCode()).isEqualTo(403);

    WsSyncPeer peer = service.syncPeer("alice");
    peer.open("doc-2", tx -> tx.set(ObjectId.ROOT, "k", "v"));
    await().atMost(Duration.ofSeconds(10)).until(() -> service.heads("doc-2").equals(peer.heads("doc-2")));
    EventBusFrontend frontend = service.frontend("doc-2", "test");
    assertThat(frontend.doc().get(ObjectId.ROOT, "k")).isPresent();
  }

  @Test
  void aRestartedNodeKeepsItsClientsVertxAndItsData(VertxTestContext context) {
    TestService node = cluster.node(0);
    node.rest().postChange("kept", Changes.set("k", "v"));
    node.restart();
    node.frontend(new JsonObject().put("type", "READ").put("docId", "kept"))
        .onComplete(context.succeeding(reply -> context.verify(() -> {
          assertThat(reply.getJsonObject("view").getString("k")).isEqualTo("v");
          context.completeNow();
        })));
  }
}
