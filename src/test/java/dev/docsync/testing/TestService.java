package dev.docsync.testing;

import dev.docsync.DocsyncVerticle;
import dev.docsync.protocol.Addresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * docsync running in the test JVM on its own fresh database, with the event bus at hand.
 * {@link #restart()} stops the whole Vert.x instance and starts a new one on the same database.
 */
public final class TestService implements AutoCloseable {
  private final String pgUrl;
  private final JsonObject overrides;
  private Vertx vertx;
  private DocsyncVerticle verticle;

  private TestService(String pgUrl, JsonObject overrides) {
    this.pgUrl = pgUrl;
    this.overrides = overrides;
    boot();
  }

  public static TestService start() {
    return start(new JsonObject());
  }

  /** Settings in {@code overrides} (DOCSYNC_* keys) replace the defaults. */
  public static TestService start(JsonObject overrides) {
    return startOn(TestDatabases.freshDatabaseUrl(), overrides);
  }

  /** On a database of the caller's choice. */
  public static TestService startOn(String pgUrl, JsonObject overrides) {
    return new TestService(pgUrl, overrides);
  }

  private void boot() {
    vertx = Vertx.vertx();
    verticle = new DocsyncVerticle();
    JsonObject config = new JsonObject()
        .put("DOCSYNC_PG_URL", pgUrl)
        .put("DOCSYNC_HTTP_HOST", "127.0.0.1")
        .put("DOCSYNC_HTTP_PORT", 0)
        .put("DOCSYNC_SYNC_STATE_FLUSH_MS", 200)
        .put("DOCSYNC_AUTH_ENABLED", false)
        .mergeIn(overrides);
    Await.result(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
  }

  public void restart() {
    Await.result(vertx.close());
    boot();
  }

  public Vertx vertx() {
    return vertx;
  }

  public String pgUrl() {
    return pgUrl;
  }

  public DocsyncVerticle verticle() {
    return verticle;
  }

  public int httpPort() {
    return verticle.httpPort();
  }

  public Future<JsonObject> frontend(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.FRONTEND, request).map(Message::body);
  }

  public Future<JsonObject> peer(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.PEER, request).map(Message::body);
  }

  @Override
  public void close() {
    Await.result(vertx.close());
  }
}
