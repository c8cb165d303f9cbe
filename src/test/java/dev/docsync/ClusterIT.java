package dev.docsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.cluster.ClusterSettings;
import dev.docsync.cluster.DocsyncCluster;
import dev.docsync.cluster.Role;
import dev.docsync.protocol.Addresses;
import dev.docsync.testing.Await;
import dev.docsync.testing.Changes;
import dev.docsync.testing.JarProcess;
import dev.docsync.testing.TestDatabases;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Nodes of the built jar form a cluster as an operator starts them (DOCSYNC_CLUSTER_* in the environment, one
 * PostgreSQL, one JWT secret), and a start that could not work as a cluster is refused in one line.
 */
class ClusterIT {
  private static final Duration START = Duration.ofSeconds(120);
  private static final Path WORK = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
  private static final String SECRET = "cluster-it-secret-0123456789abcdef";

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void twoNodesFormOneClusterAndAFrozenOneIsRemovedWithinSeconds() throws Exception {
    String pgUrl = TestDatabases.freshDatabaseUrl();
    String name = "it-" + UUID.randomUUID();
    int[] clusterPorts = {freePort(), freePort()};
    int[] httpPorts = {freePort(), freePort()};
    String members = "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1];
    Path dir = Files.createTempDirectory(Files.createDirectories(WORK), "cluster-it-");
    try (JarProcess a = JarProcess.start(dir.resolve("a"), node(pgUrl, name, members, clusterPorts[0], httpPorts[0]));
        JarProcess b = JarProcess.start(dir.resolve("b"), node(pgUrl, name, members, clusterPorts[1], httpPorts[1]))) {
      a.awaitHealthy(httpPorts[0], START);
      b.awaitHealthy(httpPorts[1], START);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        for (int port : httpPorts) {
          JsonObject cluster = health(port).getJsonObject("cluster");
          assertThat(cluster).as("/health of :%d", port).isNotNull();
          assertThat(cluster.getInteger("members")).isEqualTo(2);
          assertThat(cluster.getInteger("owners")).isEqualTo(2);
        }
      });
      assertThat(health(httpPorts[0]).getJsonObject("cluster").getString("nodeId"))
          .isNotEqualTo(health(httpPorts[1]).getJsonObject("cluster").getString("nodeId"));
      assertThat(metrics(httpPorts[0])).contains("docsync_cluster_members 2.0");
      assertThat(a.output()).contains("Cluster     '" + name + "', this node 127.0.0.1:" + clusterPorts[0]);

      // One token (the shared secret) for both nodes; a change written through one is read through the other,
      // whichever of the two owns the document (the router passes requests over the clustered event bus).
      String token = JarProcess.run(dir, Map.of("DOCSYNC_JWT_SECRET", SECRET),
          "token", "--sub", "it", "--read", "*", "--write", "*").output().lines()
          .filter(l -> l.startsWith("eyJ")).findFirst().orElseThrow();
      for (int i = 0; i < 4; i++) {
        String docId = "cluster-it-" + i;
        int writer = httpPorts[i % 2];
        int reader = httpPorts[(i + 1) % 2];
        HttpResponse<String> posted = http.send(request(writer, "/api/docs/" + docId + "/changes", token)
            .POST(HttpRequest.BodyPublishers.ofByteArray(Changes.set("title", "written on :" + writer))).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        HttpResponse<String> read = http.send(request(reader, "/api/docs/" + docId, token).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).contains("written on :" + writer);
      }

      // An application in another JVM (this one) joins as a client member and uses docsync.frontend as in-JVM code does.
      Vertx client = Await.result(DocsyncCluster.join(new ClusterSettings(true, "127.0.0.1", freePort(),
          List.of("127.0.0.1:" + clusterPorts[0], "127.0.0.1:" + clusterPorts[1]), name, 0), Role.CLIENT));
      try {
        for (int i = 0; i < 4; i++) {
          JsonObject change = new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "cluster-it-bus-" + i)
              .put("change", Base64.getEncoder().encodeToString(Changes.set("title", "from a client JVM")));
          Await.result(client.eventBus().request(Addresses.FRONTEND, change));
          JsonObject read = Await.result(client.eventBus().<JsonObject>request(Addresses.FRONTEND,
              new JsonObject().put("type", "READ").put("docId", "cluster-it-0"))).body();
          assertThat(read.encode()).contains("written on :" + httpPorts[0]);
          assertThat(get(httpPorts[i % 2], "/api/docs/cluster-it-bus-" + i + "?token=" + token)).contains("from a client JVM");
        }
        JsonObject withClient = health(httpPorts[0]).getJsonObject("cluster");
        assertThat(withClient.getInteger("members")).as("members with the client").isEqualTo(3);
        assertThat(withClient.getInteger("owners")).as("the client owns no documents").isEqualTo(2);
      } finally {
        Await.result(client.close());
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> health(httpPorts[0]).getJsonObject("cluster").getInteger("members") == 2);

      // The runnable example of README ("Running a cluster"): the same from a JVM started by hand.
      ProcessBuilder exampleRun = new ProcessBuilder(JarProcess.javaBinary(), "-cp", JarProcess.JAR.toString(),
          "docs/cluster/ClusterClient.java", "cluster-it-example", "from the example")
          .redirectErrorStream(true).redirectOutput(dir.resolve("example.log").toFile());
      exampleRun.environment().put("CLUSTER_MEMBERS", "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1]);
      exampleRun.environment().put("CLUSTER_NAME", name);
      exampleRun.environment().put("CLIENT_PORT", Integer.toString(freePort()));
      Process example = exampleRun.start();
      assertThat(example.waitFor(120, TimeUnit.SECONDS)).as("example ended").isTrue();
      String exampleLog = Files.readString(dir.resolve("example.log"));
      assertThat(example.exitValue()).as(exampleLog).isZero();
      assertThat(exampleLog).contains("read back: note = from the example");
      assertThat(get(httpPorts[1], "/api/docs/cluster-it-example?token=" + token)).contains("from the example");
      await().atMost(Duration.ofSeconds(10)).until(() -> health(httpPorts[0]).getJsonObject("cluster").getInteger("members") == 2);

      // SIGSTOP: no goodbye, no closed socket; only the missing heartbeats tell.
      long frozen = System.nanoTime();
      signal(b, "STOP");
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
          .until(() -> health(httpPorts[0]).getJsonObject("cluster").getInteger("members") == 1);
      System.out.printf("[cluster-it] a frozen node left the other's members after %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozen));
      assertThat(health(httpPorts[0]).getJsonObject("cluster").getInteger("owners")).isEqualTo(1);
      b.process().destroyForcibly();
      assertThat(a.stop()).as("exit status of a SIGTERM").isIn(0, 143);
      assertThat(a.output()).contains("docsync stopped");
    }
  }

  @Test
  void aClusterWithoutASharedDatabaseIsRefused() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("DOCSYNC_CLUSTER_ENABLED", "true", "DOCSYNC_JWT_SECRET", SECRET));
    assertRefused(env, "docsync: cannot start: DOCSYNC_PG_URL must be set in a cluster");
  }

  @Test
  void aClusterWithoutSharedTokenKeysIsRefused() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("DOCSYNC_CLUSTER_ENABLED", "true",
        "DOCSYNC_PG_URL", "postgresql://postgres@127.0.0.1:1/none"));
    assertRefused(env, "docsync: cannot start: DOCSYNC_JWT_SECRET (or DOCSYNC_JWT_PUBLIC_KEY) must be set in a cluster");
  }

  @Test
  void badMembersHostsAndPortsAreRefused() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("DOCSYNC_CLUSTER_ENABLED", "true", "DOCSYNC_JWT_SECRET", SECRET,
        "DOCSYNC_PG_URL", "postgresql://postgres@127.0.0.1:1/none", "DOCSYNC_CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2"));
    assertRefused(env, "docsync: cannot start: DOCSYNC_CLUSTER_MEMBERS='10.0.0.1:5701,10.0.0.2' is not accepted");
    env.put("DOCSYNC_CLUSTER_MEMBERS", "127.0.0.1:5701");
    env.put("DOCSYNC_CLUSTER_HOST", "no-such-host.invalid");
    assertRefused(env, "docsync: cannot start: DOCSYNC_CLUSTER_HOST='no-such-host.invalid' is not accepted");
    env.remove("DOCSYNC_CLUSTER_HOST");
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      env.put("DOCSYNC_CLUSTER_PORT", Integer.toString(taken.getLocalPort()));
      assertRefused(env, "docsync: cannot start: DOCSYNC_CLUSTER_PORT: port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
    }
  }

  @Test
  void theLaunchersClusterFlagIsRefused() throws Exception {
    // Vert.x's --cluster alone would join on Hazelcast's defaults: multicast, anyone on the network.
    assertRefused(Map.of(), "docsync: cannot start: --cluster: set DOCSYNC_CLUSTER_ENABLED=true", "--cluster");
  }

  private static void assertRefused(Map<String, String> env, String line, String... args) throws Exception {
    Path dir = Files.createTempDirectory(Files.createDirectories(WORK), "cluster-refused-");
    JarProcess.Result result = JarProcess.run(dir, env, args);
    assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
    assertThat(result.output().lines().filter(l -> !l.isBlank()).toList()).as("one line").hasSize(1);
    assertThat(result.output()).startsWith(line);
  }

  private static Map<String, String> node(String pgUrl, String name, String members, int clusterPort, int httpPort) {
    Map<String, String> env = new HashMap<>();
    env.put("DOCSYNC_PG_URL", pgUrl);
    env.put("DOCSYNC_JWT_SECRET", SECRET);
    env.put("DOCSYNC_METRICS_PUBLIC", "true");
    env.put("DOCSYNC_HTTP_HOST", "127.0.0.1");
    env.put("DOCSYNC_HTTP_PORT", Integer.toString(httpPort));
    env.put("DOCSYNC_CLUSTER_ENABLED", "true");
    env.put("DOCSYNC_CLUSTER_NAME", name);
    env.put("DOCSYNC_CLUSTER_PORT", Integer.toString(clusterPort));
    env.put("DOCSYNC_CLUSTER_MEMBERS", members);
    return env;
  }

  private static HttpRequest.Builder request(int port, String path, String token) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token);
  }

  private JsonObject health(int port) throws Exception {
    return new JsonObject(get(port, "/health"));
  }

  private String metrics(int port) throws Exception {
    return get(port, "/metrics");
  }

  private String get(int port, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return response.body();
  }

  private static void signal(JarProcess process, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.process().pid())).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    }
  }
}
