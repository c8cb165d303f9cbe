package dev.docsync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.TestDatabases;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/**
 * The README's "embedding docsync" recipe, as written there: an application deploys DocsyncVerticle on its own
 * Vert.x with a config, then talks to docsync.frontend on the local event bus (no HTTP, no token: in-JVM code is trusted).
 */
class EmbeddedInApplicationTest {

  @Test
  void anApplicationDeploysDocsyncOnItsOwnVertxAndUsesTheFrontend() {
    Vertx vertx = Vertx.vertx(); // the application's own
    try {
      JsonObject config = new JsonObject()
          .put("DOCSYNC_PG_URL", TestDatabases.freshDatabaseUrl())
          .put("DOCSYNC_HTTP_HOST", "127.0.0.1")
          .put("DOCSYNC_HTTP_PORT", 0);
      vertx.deployVerticle(new DocsyncVerticle(), new DeploymentOptions().setConfig(config)).await();

      // A change made with the Automerge binding, sent as LOCAL_CHANGE: the reply comes once it is stored.
      Document doc = new Document();
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ObjectId.ROOT, "title", "made in my app");
        tx.commit();
      }
      String change = Base64.getEncoder().encodeToString(doc.encodeChangesSince(new ChangeHash[0]));
      JsonObject stored = vertx.eventBus().<JsonObject>request("docsync.frontend",
          new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "notes-1").put("change", change)).await().body();
      assertThat(stored.getJsonArray("heads")).hasSize(1);

      JsonObject read = vertx.eventBus().<JsonObject>request("docsync.frontend",
          new JsonObject().put("type", "READ").put("docId", "notes-1")).map(Message::body).await();
      assertThat(read.getJsonObject("view").getString("title")).isEqualTo("made in my app");
      doc.free();
    } finally {
      vertx.close().await();
    }
  }
}
