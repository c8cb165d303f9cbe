package dev.docsync.testing;

import dev.docsync.DocsyncVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Several docsync nodes in one Vert.x instance, sharing its event bus and one fresh database: what a cluster is to
 * the document layer (every cluster-wide address has one consumer per node), with each node's view of who is alive
 * set by the test ({@link StaticMembership}). Auth off; each node has its own HTTP port.
 */
public final class OneBusCluster implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final String pgUrl = TestDatabases.freshDatabaseUrl();
  private final List<StaticMembership> views = new ArrayList<>();
  private final List<DocsyncVerticle> nodes = new ArrayList<>();

  public OneBusCluster(int size, JsonObject overrides) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ids.add("node-" + (char) ('a' + i));
    }
    for (String id : ids) {
      StaticMembership view = new StaticMembership(id, ids);
      DocsyncVerticle node = new DocsyncVerticle(view);
      Await.result(vertx.deployVerticle(node, new DeploymentOptions().setConfig(TestService.testConfig(pgUrl, overrides))));
      views.add(view);
      nodes.add(node);
    }
  }

  public Vertx vertx() {
    return vertx;
  }

  public String pgUrl() {
    return pgUrl;
  }

  public DocsyncVerticle node(int index) {
    return nodes.get(index);
  }

  /** Who node {@code index} believes is alive. */
  public StaticMembership view(int index) {
    return views.get(index);
  }

  public String nodeId(int index) {
    return views.get(index).nodeId();
  }

  public String baseUrl(int index) {
    return "http://127.0.0.1:" + nodes.get(index).httpPort();
  }

  /**
   * Stops both nodes. Once in a CI run (machine PostgreSQL, after a passing test) one node's stop never completed:
   * not yet understood (see the session note), so the wait is bounded and a stop that hangs is reported, not fatal.
   */
  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("[one-bus-cluster] the nodes did not stop within 30 s: " + e);
    }
  }
}
