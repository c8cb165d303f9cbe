package dev.docsync.testing;

import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Nodes of the built jar forming one cluster on loopback, as an operator starts them: DOCSYNC_CLUSTER_* settings,
 * one fresh PostgreSQL database, one JWT secret. Each node is an external JVM, so that a test can kill -9, pause
 * (SIGSTOP) or restart it.
 */
public final class JarCluster implements AutoCloseable {
  public static final String SECRET = "jar-cluster-secret-0123456789abcdef";
  private static final Duration START = Duration.ofSeconds(120);

  private final HttpClient http = HttpClient.newHttpClient();
  private final String pgUrl = TestDatabases.freshDatabaseUrl();
  private final String name = "it-" + UUID.randomUUID();
  private final Path dir;
  private final int[] clusterPorts;
  private final int[] httpPorts;
  private final JarProcess[] nodes;
  private final Map<String, String> extra;

  public JarCluster(int size, Map<String, String> extra) throws Exception {
    this.extra = extra;
    this.dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))), "jar-cluster-");
    clusterPorts = new int[size];
    httpPorts = new int[size];
    nodes = new JarProcess[size];
    for (int i = 0; i < size; i++) {
      clusterPorts[i] = freePort();
      httpPorts[i] = freePort();
    }
    for (int i = 0; i < size; i++) {
      start(i);
    }
    for (int i = 0; i < size; i++) {
      nodes[i].awaitHealthy(httpPorts[i], START);
    }
    awaitOwners(size);
  }

  /** Starts (or starts again) node {@code i}; does not wait for it. */
  public void start(int i) throws IOException {
    List<String> members = new ArrayList<>();
    for (int port : clusterPorts) {
      members.add("127.0.0.1:" + port);
    }
    Map<String, String> env = new HashMap<>();
    env.put("DOCSYNC_PG_URL", pgUrl);
    env.put("DOCSYNC_JWT_SECRET", SECRET);
    env.put("DOCSYNC_METRICS_PUBLIC", "true");
    env.put("DOCSYNC_HTTP_HOST", "127.0.0.1");
    env.put("DOCSYNC_HTTP_PORT", Integer.toString(httpPorts[i]));
    env.put("DOCSYNC_CLUSTER_ENABLED", "true");
    env.put("DOCSYNC_CLUSTER_NAME", name);
    env.put("DOCSYNC_CLUSTER_PORT", Integer.toString(clusterPorts[i]));
    env.put("DOCSYNC_CLUSTER_MEMBERS", String.join(",", members));
    env.putAll(extra);
    nodes[i] = JarProcess.start(dir.resolve("node-" + i), env);
  }

  public void awaitHealthy(int i) throws Exception {
    nodes[i].awaitHealthy(httpPorts[i], START);
  }

  /** Waits until every running node sees {@code count} document owners. */
  public void awaitOwners(int count) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      for (int i = 0; i < nodes.length; i++) {
        if (nodes[i].process().isAlive() && !stopped(i)) {
          JsonObject cluster = health(i).getJsonObject("cluster");
          if (cluster == null || cluster.getInteger("owners") != count) {
            return false;
          }
        }
      }
      return true;
    });
  }

  private final java.util.Set<Integer> paused = new java.util.HashSet<>();

  private boolean stopped(int i) {
    return paused.contains(i);
  }

  public int size() {
    return nodes.length;
  }

  public JarProcess node(int i) {
    return nodes[i];
  }

  public int httpPort(int i) {
    return httpPorts[i];
  }

  public String baseUrl(int i) {
    return "http://127.0.0.1:" + httpPorts[i];
  }

  public String pgUrl() {
    return pgUrl;
  }

  public String nodeId(int i) throws Exception {
    return health(i).getJsonObject("cluster").getString("nodeId");
  }

  public JsonObject health(int i) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl(i) + "/health"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return new JsonObject(response.body());
  }

  /** kill -9: no goodbye, no hand-over. */
  public void kill(int i) {
    nodes[i].process().destroyForcibly();
  }

  public void pause(int i) throws Exception {
    signal(i, "STOP");
    paused.add(i);
  }

  public void resume(int i) throws Exception {
    signal(i, "CONT");
    paused.remove(i);
  }

  private void signal(int i, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(nodes[i].process().pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + signal + " failed");
    }
  }

  /** The node holding each document's lease, and its epoch (from PostgreSQL, the authority). */
  public Map<String, Lease> leases() {
    Map<String, Lease> leases = new HashMap<>();
    query("SELECT doc_id, owner, epoch FROM doc_leases", rs -> leases.put(rs.getString(1), new Lease(rs.getString(2), rs.getLong(3))));
    return leases;
  }

  public record Lease(String owner, long epoch) {}

  public interface RowReader {
    void read(ResultSet row) throws SQLException;
  }

  public void query(String sql, RowReader reader) {
    PgConnectOptions o = PgConnectOptions.fromUri(pgUrl);
    String jdbc = "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    try (Connection c = DriverManager.getConnection(jdbc, o.getUser(), o.getPassword());
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        reader.read(rs);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null) {
        if (paused.contains(i)) {
          try {
            resume(i);
          } catch (Exception ignored) {
            // killed below anyway
          }
        }
        nodes[i].close();
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    }
  }
}
