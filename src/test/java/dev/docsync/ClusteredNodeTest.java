package dev.docsync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.cluster.ClusterSettings;
import dev.docsync.cluster.DocsyncCluster;
import dev.docsync.cluster.Role;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestDatabases;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The service deployed on a clustered Vert.x (as the jar's launcher, or a multi-node test, builds it). */
class ClusteredNodeTest {
  private static final String SECRET = "clustered-node-test-0123456789abcdef";
  private final List<Vertx> started = new ArrayList<>();

  @AfterEach
  void close() {
    started.forEach(v -> Await.result(v.close()));
  }

  @Test
  void aNodeOfAClusterSaysSoInHealthAndMetrics() throws Exception {
    Vertx vertx = join(Role.OWNER);
    DocsyncVerticle node = new DocsyncVerticle();
    Await.result(vertx.deployVerticle(node, new DeploymentOptions().setConfig(config(TestDatabases.freshDatabaseUrl()))));

    assertThat(node.membership().clustered()).isTrue();
    assertThat(node.membership().documentOwners()).containsExactly(node.membership().nodeId());
    JsonObject cluster = new JsonObject(get(node.httpPort(), "/health")).getJsonObject("cluster");
    assertThat(cluster).isEqualTo(new JsonObject().put("nodeId", node.membership().nodeId()).put("members", 1).put("owners", 1));
    assertThat(get(node.httpPort(), "/metrics")).contains("docsync_cluster_members 1.0");
  }

  @Test
  void aMemberThatOwnsNoDocumentsCannotServe() throws Exception {
    int ownerPort = freePort();
    String name = "node-" + UUID.randomUUID();
    join(Role.OWNER, name, ownerPort, ownerPort);
    Vertx vertx = join(Role.CLIENT, name, freePort(), ownerPort);
    Throwable failure = Await.failure(vertx.deployVerticle(new DocsyncVerticle(),
        new DeploymentOptions().setConfig(config(TestDatabases.freshDatabaseUrl()))));
    assertThat(failure).hasMessageContaining("docsync.role=owner");
  }

  @Test
  void aNodeOfAClusterNeedsTheSharedDatabase() throws Exception {
    Vertx vertx = join(Role.OWNER);
    JsonObject config = config(null).put("DOCSYNC_DATA_DIR", Files.createTempDirectory("clustered-node-").toString());
    Throwable failure = Await.failure(vertx.deployVerticle(new DocsyncVerticle(), new DeploymentOptions().setConfig(config)));
    assertThat(failure).hasMessageStartingWith("DOCSYNC_PG_URL must be set in a cluster");
  }

  @Test
  void clusterSettingsOnAVertxThatIsNotClusteredAreRefused() {
    Vertx vertx = Vertx.vertx();
    started.add(vertx);
    JsonObject config = config(TestDatabases.freshDatabaseUrl()).put("DOCSYNC_CLUSTER_ENABLED", true);
    Throwable failure = Await.failure(vertx.deployVerticle(new DocsyncVerticle(), new DeploymentOptions().setConfig(config)));
    assertThat(failure).hasMessageStartingWith("DOCSYNC_CLUSTER_ENABLED is true but this Vert.x is not clustered");
  }

  /** A cluster of its own. */
  private Vertx join(Role role) throws Exception {
    int port = freePort();
    return join(role, "node-" + UUID.randomUUID(), port, port);
  }

  private Vertx join(Role role, String name, int port, int memberPort) {
    Vertx vertx = Await.result(DocsyncCluster.join(new ClusterSettings(true, "127.0.0.1", port,
        List.of("127.0.0.1:" + memberPort), name, 0), role));
    started.add(vertx);
    return vertx;
  }

  private static JsonObject config(String pgUrl) {
    return new JsonObject()
        .put("DOCSYNC_PG_URL", pgUrl == null ? "" : pgUrl)
        .put("DOCSYNC_JWT_SECRET", SECRET)
        .put("DOCSYNC_METRICS_PUBLIC", true)
        .put("DOCSYNC_HTTP_HOST", "127.0.0.1")
        .put("DOCSYNC_HTTP_PORT", 0);
  }

  private static String get(int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    }
  }
}
