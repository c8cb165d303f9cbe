package dev.docsync.testing;

import dev.docsync.DocsyncVerticle;
import dev.docsync.cluster.ClusterSettings;
import dev.docsync.cluster.DocsyncCluster;
import dev.docsync.cluster.Role;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * docsync nodes on real clustered Vert.x instances (Hazelcast on loopback) in the test JVM, sharing one fresh
 * database, and client members (which own no documents) of the same cluster. Nodes join one after the other: started
 * together, Hazelcast members may form two clusters that merge only minutes later.
 */
public final class ClusteredNodes implements AutoCloseable {
  private static final String SECRET = "clustered-nodes-test-0123456789abcdef";
  private final String name = "test-" + UUID.randomUUID();
  private final String pgUrl = TestDatabases.freshDatabaseUrl();
  private final JsonObject overrides;
  private final List<String> members = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();
  private final List<Vertx> clients = new ArrayList<>();

  /** One docsync node: its Vert.x and service; {@code stopped} once {@link #stop(int)} closed it. */
  public record Node(Vertx vertx, DocsyncVerticle service, String nodeId, int httpPort) {}

  private ClusteredNodes(JsonObject overrides) {
    this.overrides = overrides;
  }

  /** {@code owners} nodes, each on its own HTTP port; settings in {@code overrides} replace the defaults. */
  public static ClusteredNodes start(int owners, JsonObject overrides) {
    ClusteredNodes cluster = new ClusteredNodes(overrides);
    try {
      for (int i = 0; i < owners; i++) {
        cluster.addNode();
      }
      cluster.awaitOwners(owners);
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** Starts one more node (it joins the running ones). */
  public Node addNode() {
    int port = freePort();
    members.add("127.0.0.1:" + port);
    Vertx vertx = Await.result(DocsyncCluster.join(settings(port), Role.OWNER));
    DocsyncVerticle service = new DocsyncVerticle();
    try {
      Await.result(vertx.deployVerticle(service, new DeploymentOptions().setConfig(config())));
    } catch (RuntimeException e) {
      Await.result(vertx.close());
      throw e;
    }
    Node node = new Node(vertx, service, service.membership().nodeId(), service.httpPort());
    nodes.add(node);
    return node;
  }

  /** A member that owns no documents, as an application in another JVM joins. */
  public Vertx joinClient() {
    Vertx vertx = Await.result(DocsyncCluster.join(settings(freePort()), Role.CLIENT));
    clients.add(vertx);
    return vertx;
  }

  /** Waits until every running node counts {@code owners} document owners. */
  public void awaitOwners(int owners) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (running().stream().anyMatch(n -> n.service().membership().documentOwners().size() != owners)) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("nodes did not agree on " + owners + " owners: " + running().stream()
            .map(n -> n.service().membership().documentOwners()).toList());
      }
      sleep(20);
    }
  }

  /** Stops a node as SIGTERM does: its service stops (handing its documents over), then it leaves the cluster. */
  public void stop(int index) {
    Node node = nodes.get(index);
    if (node != null) {
      nodes.set(index, null);
      Await.result(node.vertx().close());
    }
  }

  public Node node(int index) {
    return nodes.get(index);
  }

  public String nodeId(int index) {
    return nodes.get(index).nodeId();
  }

  public String baseUrl(int index) {
    return "http://127.0.0.1:" + nodes.get(index).httpPort();
  }

  public String pgUrl() {
    return pgUrl;
  }

  private List<Node> running() {
    return nodes.stream().filter(n -> n != null).toList();
  }

  private ClusterSettings settings(int port) {
    return new ClusterSettings(true, "127.0.0.1", port, List.copyOf(members), name, 0);
  }

  private JsonObject config() {
    return new JsonObject()
        .put("DOCSYNC_PG_URL", pgUrl)
        .put("DOCSYNC_JWT_SECRET", SECRET)
        .put("DOCSYNC_AUTH_ENABLED", false)
        .put("DOCSYNC_HTTP_HOST", "127.0.0.1")
        .put("DOCSYNC_HTTP_PORT", 0)
        .put("DOCSYNC_SYNC_STATE_FLUSH_MS", 200)
        .mergeIn(overrides);
  }

  @Override
  public void close() {
    clients.forEach(v -> Await.result(v.close()));
    clients.clear();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      stop(i);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
