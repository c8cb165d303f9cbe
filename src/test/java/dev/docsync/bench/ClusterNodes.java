package dev.docsync.bench;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A docsync cluster of {@code size} jar nodes on this machine, one shared PostgreSQL database (the machine's),
 * started as an operator does (DOCSYNC_CLUSTER_* settings, as docs/cluster/run-3-nodes.sh). One {@link Server}
 * to the scenarios: {@link #url()} hands out the nodes in turn, so clients spread over them; its CPU is every
 * node's JVM, its database CPU the PostgreSQL backends serving this database.
 */
final class ClusterNodes extends Server {
  private final List<Server.Docsync> nodes = new ArrayList<>();
  private final String pgUrl;
  private final AtomicInteger next = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  ClusterNodes(Path jar, Path workDir, String pgUrl, int size, List<String> jvmArgs) {
    super("docsync x" + size, workDir);
    this.pgUrl = pgUrl;
    List<String> members = new ArrayList<>();
    int[] ports = new int[size];
    for (int i = 0; i < size; i++) {
      try {
        ports[i] = freePort();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      members.add("127.0.0.1:" + ports[i]);
    }
    String cluster = "bench-" + Long.toHexString(System.nanoTime());
    for (int i = 0; i < size; i++) {
      Map<String, String> env = new HashMap<>(Map.of(
          "DOCSYNC_CLUSTER_ENABLED", "true",
          "DOCSYNC_CLUSTER_HOST", "127.0.0.1",
          "DOCSYNC_CLUSTER_PORT", Integer.toString(ports[i]),
          "DOCSYNC_CLUSTER_MEMBERS", String.join(",", members),
          "DOCSYNC_CLUSTER_NAME", cluster));
      nodes.add(new Server.Docsync(jar, workDir.resolve("node-" + i), pgUrl, null, jvmArgs, env));
    }
  }

  int size() {
    return nodes.size();
  }

  Server.Docsync node(int i) {
    return nodes.get(i);
  }

  String httpBase(int i) {
    return nodes.get(i).url().replace("ws://", "http://").replace("/sync", "");
  }

  /** All nodes at once (a lone first node would wait for the others to join), then until each sees every owner. */
  @Override
  void start() {
    List<Thread> starting = new ArrayList<>();
    List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (Server.Docsync node : nodes) {
      Thread t = new Thread(() -> {
        try {
          node.start();
        } catch (RuntimeException e) {
          failures.add(e);
        }
      }, "bench-start-node");
      t.start();
      starting.add(t);
    }
    for (Thread t : starting) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    if (!failures.isEmpty()) {
      stop();
      throw failures.get(0);
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (!allSeeOwners()) {
      if (System.currentTimeMillis() > deadline) {
        stop();
        throw new IllegalStateException("the " + nodes.size() + " nodes did not see each other within 60 s; see " + workDir);
      }
      Proc.sleep(200);
    }
  }

  private boolean allSeeOwners() {
    for (int i = 0; i < nodes.size(); i++) {
      JsonObject cluster = health(i).getJsonObject("cluster");
      if (cluster == null || cluster.getInteger("owners", -1) != nodes.size()) {
        return false;
      }
    }
    return true;
  }

  JsonObject health(int i) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(httpBase(i) + "/health"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body());
    } catch (IOException | RuntimeException e) {
      return new JsonObject();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Cluster node id of node i, as doc_leases.owner names it. */
  String nodeId(int i) {
    return health(i).getJsonObject("cluster", new JsonObject()).getString("nodeId");
  }

  /** SIGTERM to every node at once (each hands its documents over), then waits for all. */
  @Override
  void stop() {
    List<Thread> stopping = new ArrayList<>();
    for (Server.Docsync node : nodes) {
      Thread t = new Thread(node::stop, "bench-stop-node");
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  String url() {
    return nodes.get(Math.floorMod(next.getAndIncrement(), nodes.size())).url();
  }

  @Override
  long pid() {
    return nodes.get(0).pid();
  }

  @Override
  List<Long> serverPids() {
    List<Long> pids = new ArrayList<>();
    for (Server.Docsync node : nodes) {
      if (node.process != null) {
        pids.add(node.pid());
      }
    }
    return pids;
  }

  @Override
  long rssKb() {
    return Proc.rssKb(serverPids());
  }

  @Override
  void gc() {
    nodes.forEach(Server.Docsync::gc);
  }

  @Override
  protected List<String> command() {
    throw new UnsupportedOperationException("a cluster starts its nodes");
  }

  @Override
  protected boolean ready(Path log) {
    return true;
  }

  /** The PostgreSQL backends connected to this cluster's database (the machine's server is shared with others). */
  @Override
  List<Long> helperPids() {
    List<Long> pids = new ArrayList<>();
    query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        rs -> pids.add(rs.getLong(1)));
    return pids;
  }

  @Override
  long dbCommits() {
    long[] commits = {-1};
    query("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", rs -> commits[0] = rs.getLong(1));
    return commits[0];
  }

  /** doc_id → owner node id, from the leases (the authority). */
  Map<String, String> owners() {
    Map<String, String> owners = new HashMap<>();
    query("SELECT doc_id, owner FROM doc_leases", rs -> owners.put(rs.getString(1), rs.getString(2)));
    return owners;
  }

  interface Row {
    void read(ResultSet rs) throws SQLException;
  }

  private void query(String sql, Row row) {
    PgConnectOptions o = PgConnectOptions.fromUri(pgUrl);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase(),
        o.getUser(), o.getPassword()); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        row.read(rs);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
