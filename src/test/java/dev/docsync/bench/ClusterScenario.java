package dev.docsync.bench;

import dev.docsync.client.DocumentIds;
import dev.docsync.testing.Changes;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * The cluster scenario: the many-documents load on one node and on three clustered nodes of this machine (the
 * clients spread over the nodes, each cluster on its own scratch database of the machine's PostgreSQL), all up at
 * once and measured in turn, rate by rate (the machine is shared: its load must weigh on both alike), then the added latency of
 * a cross-node hop (a REST change posted to the node owning the document vs to another one), and pgbench on the same
 * PostgreSQL for its ceiling. The lone node is a cluster of one, so that the only difference is the number of nodes.
 */
final class ClusterScenario {

  /** Sizes of a run. */
  record Sizes(int docs, int clientsPerDoc, double[] rates, double warmup, double window, double drain, double p99LimitMs,
               double stopP99Ms, double idleSeconds, int hopDocs, int hopWarmup, int hopPairs, int pgbenchSeconds) {
    static Sizes full() {
      return new Sizes(200, 4, new double[] {100, 200, 400, 700, 1000, 1400, 2000}, 3, 10, 5, 100, 2000, 5, 30, 200, 2000, 10);
    }

    static Sizes smoke() {
      return new Sizes(4, 2, new double[] {20, 40}, 0.5, 1.5, 2, 1000, 5000, 1, 6, 5, 30, 2);
    }

    JsonObject json() {
      return new JsonObject().put("docs", docs).put("clientsPerDoc", clientsPerDoc).put("windowSeconds", window)
          .put("p99LimitMs", p99LimitMs).put("stopP99Ms", stopP99Ms).put("hopPairs", hopPairs).put("hopDocs", hopDocs);
    }
  }

  private final Scenarios scenarios;
  private final Sizes sizes;
  private final Path jar;
  private final Path work;
  private final String pgAdmin;
  private final List<String> jvmArgs;
  private final Consumer<String> log;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  ClusterScenario(Scenarios scenarios, Sizes sizes, Path jar, Path work, String pgAdmin, List<String> jvmArgs,
                  Consumer<String> log) {
    this.scenarios = scenarios;
    this.sizes = sizes;
    this.jar = jar;
    this.work = work;
    this.pgAdmin = pgAdmin;
    this.jvmArgs = jvmArgs;
    this.log = log;
  }

  JsonObject run() throws Exception {
    JsonObject out = new JsonObject().put("sizes", sizes.json()).put("loadBefore", loadAverage())
        .put("jvm", String.join(" ", jvmArgs));
    String db1 = createDatabase();
    String db3 = createDatabase();
    try (ClusterNodes one = new ClusterNodes(jar, work.resolve("servers").resolve("cluster-1"), url(db1), 1, jvmArgs);
         ClusterNodes three = new ClusterNodes(jar, work.resolve("servers").resolve("cluster-3"), url(db3), 3, jvmArgs)) {
      for (ClusterNodes cluster : List.of(one, three)) {
        long t0 = System.nanoTime();
        cluster.start();
        log.accept(String.format("  %s up and agreeing on the members in %.1f s (pids %s)", cluster.name,
            (System.nanoTime() - t0) / 1e9, cluster.serverPids()));
      }
      List<JsonObject> ramps = scenarios.rampInTurn(List.of(one, three), sizes.docs(), sizes.clientsPerDoc(), sizes.rates(),
          sizes.warmup(), sizes.window(), sizes.drain(), sizes.p99LimitMs(), sizes.stopP99Ms(), sizes.idleSeconds());
      String database = "machine PostgreSQL " + SyncBench.sqlValue(url(db1), "SHOW server_version") + ", fsync="
          + SyncBench.sqlValue(url(db1), "SHOW fsync") + ", synchronous_commit=" + SyncBench.sqlValue(url(db1), "SHOW synchronous_commit");
      out.put("nodes1", ramps.get(0).put("database", database));
      out.put("nodes3", ramps.get(1).put("database", database).put("hop", hop(three)));
    } finally {
      dropDatabase(db1);
      dropDatabase(db3);
    }
    if (Proc.run(10, "sh", "-c", "command -v pgbench").isEmpty()) {
      out.put("pgbench", new JsonObject().put("error", "no pgbench"));
    } else {
      String db = createDatabase();
      try {
        out.put("pgbench", SyncBench.pgbench(work, sizes.pgbenchSeconds(), url(db), db));
      } finally {
        dropDatabase(db);
      }
    }
    return out.put("loadAfter", loadAverage());
  }

  private String createDatabase() throws java.sql.SQLException {
    String db = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    SyncBench.sql(pgAdmin, "CREATE DATABASE " + db);
    return db;
  }

  private void dropDatabase(String db) throws java.sql.SQLException {
    SyncBench.sql(pgAdmin, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
  }

  private String url(String db) {
    return pgAdmin.substring(0, pgAdmin.lastIndexOf('/') + 1) + db;
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  // ---- the cross-node hop ----

  /**
   * One small write at a time (a REST POST of one change, acknowledged after its commit), alternately to a document
   * the entry node owns and to one another node owns, the entry node going round: the same work but for the hop.
   */
  private JsonObject hop(ClusterNodes cluster) {
    int n = cluster.size();
    Map<String, Integer> nodeIndex = new HashMap<>();
    for (int i = 0; i < n; i++) {
      nodeIndex.put(cluster.nodeId(i), i);
    }
    List<List<String>> owned = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      owned.add(new ArrayList<>());
    }
    long errors = 0;
    for (int d = 0; d < sizes.hopDocs() || owned.stream().anyMatch(List::isEmpty); d++) {
      if (d > 10 * sizes.hopDocs()) {
        throw new IllegalStateException("no document owned by some node after " + d + " documents: " + nodeIndex);
      }
      String docId = DocumentIds.generate();
      if (post(cluster, d % n, docId) < 0) {
        errors++;
      }
      String owner = cluster.owners().get(docId);
      Integer i = owner == null ? null : nodeIndex.get(owner);
      if (i != null) {
        owned.get(i).add(docId);
      }
    }
    int[] perNode = owned.stream().mapToInt(List::size).toArray();
    log.accept("  hop: documents owned per node " + java.util.Arrays.toString(perNode));
    Histogram local = new Histogram(60_000_000L, 3);
    Histogram remote = new Histogram(60_000_000L, 3);
    Random random = new Random(11);
    CpuWindow.awaitQuiet(cluster, Scenarios.QUIET_PCT, Scenarios.QUIET_WAIT_MS, log);
    CpuWindow cpu = null;
    long t0 = 0;
    for (int r = 0; r < sizes.hopWarmup() + sizes.hopPairs(); r++) {
      if (r == sizes.hopWarmup()) {
        cpu = CpuWindow.begin(cluster);
        t0 = System.nanoTime();
      }
      int entry = r % n;
      int other = (entry + 1 + random.nextInt(n - 1)) % n;
      String mine = pick(owned.get(entry), random);
      String theirs = pick(owned.get(other), random);
      boolean localFirst = (r / n) % 2 == 0; // neither kind always goes first
      for (int k = 0; k < 2; k++) {
        boolean isLocal = (k == 0) == localFirst;
        long micros = post(cluster, entry, isLocal ? mine : theirs);
        if (micros < 0) {
          errors++;
        } else if (r >= sizes.hopWarmup()) {
          (isLocal ? local : remote).recordValue(micros);
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    JsonObject usage = cpu.end();
    JsonObject result = new JsonObject().put("documentsPerNode", new io.vertx.core.json.JsonArray(java.util.Arrays.stream(perNode).boxed().toList()))
        .put("local", summary(local)).put("remote", summary(remote)).put("errors", errors)
        .put("requestsPerSecond", CpuWindow.round((local.getTotalCount() + remote.getTotalCount()) / seconds))
        .put("addedP50", Step.ms(remote.getValueAtPercentile(50) - local.getValueAtPercentile(50)))
        .put("addedP99", Step.ms(remote.getValueAtPercentile(99) - local.getValueAtPercentile(99)))
        .put("addedMean", CpuWindow.round((remote.getMean() - local.getMean()) / 100) / 10.0)
        .mergeIn(usage);
    log.accept("  hop: " + result.encode());
    return result;
  }

  private static String pick(List<String> docs, Random random) {
    return docs.get(random.nextInt(docs.size()));
  }

  private static JsonObject summary(Histogram h) {
    return new JsonObject().put("count", h.getTotalCount()).put("p50", Step.ms(h.getValueAtPercentile(50)))
        .put("p90", Step.ms(h.getValueAtPercentile(90))).put("p99", Step.ms(h.getValueAtPercentile(99)))
        .put("max", Step.ms(h.getMaxValue())).put("mean", CpuWindow.round(h.getMean() / 100) / 10.0);
  }

  /** POSTs one new change (made before the clock starts) to node {@code node}; microseconds, or -1 unless 200. */
  private long post(ClusterNodes cluster, int node, String docId) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.httpBase(node) + "/api/docs/" + docId + "/changes"))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(Changes.set("k", Long.toString(System.nanoTime())))).build();
    long t0 = System.nanoTime();
    try {
      HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      long micros = (System.nanoTime() - t0) / 1000;
      return response.statusCode() == 200 ? micros : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
