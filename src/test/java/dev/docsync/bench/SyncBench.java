package dev.docsync.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The side-by-side benchmark: docsync (its shaded jar, in its own JVM) and the Node reference sync
 * server (bench/reference-server), driven in the same run by the same simulated automerge-repo
 * clients ({@link SimClient} on {@link dev.docsync.transport.ws.RepoWsClient}). Writes the raw
 * figures as JSON and the report docs/benchmarks.md. bench/run.sh builds everything and runs it:
 * <pre>
 * mvn -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.docsync.bench.SyncBench \
 *     -Dexec.args="--jar=target/docsync.jar --work=bench/results --report=docs/benchmarks.md"
 * </pre>
 * Options (--key=value): jar, reference (dir of server.mjs), work, report, jmh (JMH JSON to include),
 * notes (markdown appended), scenarios (many,hot,large,bootstrap,connections,durability; also cluster: one node vs three
 * clustered nodes on the machine's PostgreSQL and the cross-node hop, about 8 min, see {@link ClusterScenario}), servers
 * (docsync,reference), pg-admin (machine PostgreSQL for durability), profile (docsync sampled: JFR over the many-documents run, async-profiler in each
 * measured hot-document window; default true),
 * clients (durable|ephemeral), loops (generator event loops), hot-typists (e.g. 16,64), hot-jvm-warmup (s, unmeasured, before the first step), large-changes (size of the large
 * document), docsync-jvm (extra JVM options of the docsync server), docsync-env (KEY=VALUE,… settings of the docsync
 * server), baseline-jar and baseline-commit (an older docsync jar, and the commit it was built from, that also runs the hot
 * document, as server "baseline": the price of a change before and after, in one run), --smoke for tiny numbers, and
 * --report-only to rewrite the report from the results.json of the last run.
 */
public final class SyncBench {

  /** The server name of the older docsync jar ({@code --baseline-jar}) in results and report. */
  static final String BASELINE = "baseline";

  /** All sizes of a run; {@link #full()} fits a 2-core machine in about 20 minutes. */
  record Settings(
      int manyDocs, int manyClientsPerDoc, double[] manyRates, double manyWarmup, double manyWindow, double manyDrain,
      double p99LimitMs,
      int[] hotTypists, double hotPerTypist, double hotJvmWarmup, double hotWarmup, double hotWindow, double hotDrain,
      int largeChanges, int bootstrapChanges, int connections,
      int durDocs, int durClientsPerDoc, double[] durRates, double durWarmup, double durWindow, double durDrain,
      int pgbenchSeconds) {

    static Settings full() {
      return new Settings(
          200, 4, new double[] {100, 200, 400, 700, 1000, 1400, 2000, 2800, 4000}, 3, 10, 5,
          100,
          new int[] {4, 16, 64}, 6, 60, 3, 12, 10,
          100_000, 10_000, 10_000,
          100, 2, new double[] {500, 1000, 2000, 3000, 4000, 6000, 8000}, 2, 8, 5,
          10);
    }

    static Settings smoke() {
      return new Settings(
          4, 2, new double[] {20, 40}, 0.5, 1.5, 2,
          1000,
          new int[] {3}, 6, 0, 0.5, 1.5, 2,
          300, 200, 20,
          3, 2, new double[] {20}, 0.5, 1.5, 2,
          2);
    }
  }

  private final Map<String, String> options;
  private final Settings settings;
  private final Path work;
  private final JsonObject results = new JsonObject();

  private SyncBench(Map<String, String> options) {
    this.options = options;
    this.settings = options.containsKey("smoke") ? Settings.smoke() : Settings.full();
    this.work = Path.of(options.getOrDefault("work", "bench/results")).toAbsolutePath();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    for (String arg : args) {
      if (arg.startsWith("--")) {
        int eq = arg.indexOf('=');
        options.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "true" : arg.substring(eq + 1));
      }
    }
    Runtime.getRuntime().addShutdownHook(new Thread(Server::stopAll, "bench-stop-servers"));
    int status = 0;
    try {
      new SyncBench(options).run();
    } catch (Exception e) {
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  private static void log(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private List<String> list(String key, String fallback) {
    return Arrays.asList(options.getOrDefault(key, fallback).split(","));
  }

  private void run() throws Exception {
    Files.createDirectories(work);
    if (options.containsKey("report-only")) { // rewrite the report from the figures of the last run
      JsonObject last = new JsonObject(Files.readString(work.resolve("results.json")));
      for (String[] sc : new String[][] {{"many", "docsync-many-documents.jfr"}}) {
        JsonObject d = last.getJsonObject(sc[0]) == null ? null : last.getJsonObject(sc[0]).getJsonObject("docsync");
        if (d != null && Files.exists(work.resolve(sc[1]))) {
          d.put("profile", JfrProfile.summarize(work.resolve(sc[1]), 25));
        }
      }
      Settings used = last.getBoolean("smoke", false) ? Settings.smoke() : Settings.full();
      results.mergeIn(last);
      List<String> ran = List.of("many", "hot", "large", "bootstrap", "connections", "durability", "cluster").stream()
          .filter(last::containsKey).toList();
      Path report = Path.of(options.get("report"));
      Files.writeString(report, reportText(report, ran, used));
      log("report: " + Path.of(options.get("report")).toAbsolutePath());
      return;
    }
    List<String> scenarios = list("scenarios", "many,hot,large,bootstrap,connections,durability");
    List<String> servers = list("servers", "docsync,reference");
    boolean durableClients = !"ephemeral".equals(options.get("clients"));
    long started = System.nanoTime();
    results.put("startedAt", Instant.now().toString()).put("smoke", options.containsKey("smoke"))
        .put("machine", machine()).put("versions", versions()).put("clients", durableClients ? "durable" : "ephemeral");
    try (LoadGenerator gen = new LoadGenerator(Integer.parseInt(options.getOrDefault("loops",
        Integer.toString(Runtime.getRuntime().availableProcessors()))))) {
      Scenarios sc = new Scenarios(gen, durableClients, SyncBench::log);
      for (String scenario : scenarios) {
        JsonObject bySever = new JsonObject();
        results.put(scenario, bySever);
        for (String server : serversOf(scenario, servers)) {
          log("== " + scenario + " on " + server);
          long t0 = System.nanoTime();
          try {
            bySever.put(server, runScenario(sc, scenario, server));
          } catch (RuntimeException e) {
            log("  FAILED: " + e);
            e.printStackTrace(System.out);
            bySever.put(server, new JsonObject().put("error", String.valueOf(e.getMessage())));
          }
          log(String.format("  (%.0f s)", (System.nanoTime() - t0) / 1e9));
          save();
        }
      }
    }
    results.put("durationSeconds", Math.round((System.nanoTime() - started) / 1e9));
    save();
    if (options.containsKey("report")) {
      Path report = Path.of(options.get("report"));
      Files.writeString(report, reportText(report, scenarios, settings));
      log("report: " + report.toAbsolutePath());
    }
  }

  /**
   * The cluster scenario alone replaces only the Cluster section of an existing report; a run without it keeps the
   * section of the last run that had it (each names its own date).
   */
  private String reportText(Path report, List<String> scenarios, Settings used) throws IOException {
    String old = Files.exists(report) ? Files.readString(report) : null;
    JsonObject cluster = results.getJsonObject("cluster") == null ? null : results.getJsonObject("cluster").getJsonObject("docsync");
    if (cluster != null && cluster.containsKey("error")) {
      cluster = null;
    }
    if (old != null && scenarios.equals(List.of("cluster")) && cluster != null) {
      return ClusterReport.replace(old, ClusterReport.section(cluster, results.getString("startedAt"),
          results.getJsonObject("machine").getInteger("cores")));
    }
    String generated = new Report(results, used, readJmh(), readNotes()).markdown();
    return cluster == null && old != null ? ClusterReport.replace(generated, ClusterReport.extract(old)) : generated;
  }

  private void save() throws IOException {
    Files.writeString(work.resolve("results.json"), results.encodePrettily());
  }

  private JsonObject runScenario(Scenarios sc, String scenario, String serverName) throws Exception {
    Settings s = settings;
    boolean profile = !"false".equals(options.get("profile")) && !options.containsKey("smoke");
    switch (scenario) {
      case "many": {
        Path jfr = work.resolve("docsync-many-documents.jfr");
        try (Server server = server(serverName, "many", null, profile ? jfr : null)) {
          JsonObject r = sc.ramp(server, s.manyDocs(), s.manyClientsPerDoc(), s.manyRates(), s.manyWarmup(),
              s.manyWindow(), s.manyDrain(), s.p99LimitMs());
          server.stop();
          return withProfile(r, serverName, profile, jfr);
        }
      }
      case "hot": {
        // Sampled by async-profiler in each measured window instead of JFR over the whole run (see AsyncProfile).
        Files.deleteIfExists(work.resolve("docsync-hot-document.jfr"));
        try (Server server = server(serverName, "hot", null, null, profile ? AsyncProfile.library(work) : null)) {
          int[] typists = options.containsKey("hot-typists")
              ? Arrays.stream(options.get("hot-typists").split(",")).mapToInt(Integer::parseInt).toArray() : s.hotTypists();
          JsonObject r = sc.hotDocument(server, typists, s.hotPerTypist(),
              Double.parseDouble(options.getOrDefault("hot-jvm-warmup", Double.toString(s.hotJvmWarmup()))), s.hotWarmup(),
              s.hotWindow(), s.hotDrain());
          server.stop();
          return r;
        }
      }
      case "large":
      case "bootstrap": {
        int changes = scenario.equals("large")
            ? Integer.parseInt(options.getOrDefault("large-changes", Integer.toString(s.largeChanges()))) : s.bootstrapChanges();
        Scenarios.BigDoc doc = bigDoc(changes);
        try (Server server = server(serverName, scenario, null, null)) {
          return sc.bigDocument(server, doc, true, 180_000).put("buildSeconds", CpuWindow.round(doc.buildSeconds()));
        }
      }
      case "connections":
        try (Server server = server(serverName, "connections", null, null)) {
          return sc.connections(server, Integer.parseInt(options.getOrDefault("connections", Integer.toString(s.connections()))));
        }
      case "durability":
        return durability(sc, serverName);
      case "cluster": {
        List<String> jvm = new ArrayList<>(List.of("-Xmx2g", "-XX:TrimNativeHeapInterval=1000"));
        if (options.containsKey("docsync-jvm")) {
          jvm.addAll(Arrays.asList(options.get("docsync-jvm").trim().split("\\s+")));
        }
        return new ClusterScenario(sc, options.containsKey("smoke") ? ClusterScenario.Sizes.smoke() : ClusterScenario.Sizes.full(),
            Path.of(options.getOrDefault("jar", "target/docsync.jar")).toAbsolutePath(), work,
            options.getOrDefault("pg-admin", "postgresql://postgres@127.0.0.1:5432/postgres"), jvm, SyncBench::log).run();
      }
      default:
        throw new IllegalArgumentException("unknown scenario " + scenario);
    }
  }

  /**
   * The servers a scenario runs on: the reference server has no cluster; the baseline (an older docsync jar,
   * {@code --baseline-jar}) runs the hot document only, beside today's, to price a change then and now in one run.
   */
  private List<String> serversOf(String scenario, List<String> servers) {
    if (scenario.equals("cluster")) {
      return servers.contains("docsync") ? List.of("docsync") : List.of();
    }
    List<String> out = new ArrayList<>(servers);
    if (scenario.equals("hot") && options.containsKey("baseline-jar") && servers.contains("docsync")) {
      out.add(out.indexOf("docsync") + 1, BASELINE);
    }
    return out;
  }

  /** Settings of the docsync server from {@code --docsync-env=KEY=VALUE,KEY=VALUE} (an A/B of one setting). */
  private Map<String, String> docsyncEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    for (String pair : options.getOrDefault("docsync-env", "").split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        env.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
      }
    }
    return env;
  }

  private final Map<Integer, Scenarios.BigDoc> bigDocs = new LinkedHashMap<>();

  private Scenarios.BigDoc bigDoc(int changes) {
    return bigDocs.computeIfAbsent(changes, n -> {
      Scenarios.BigDoc doc = Scenarios.buildDocument(n);
      log(String.format("  built a %,d-change document in %.1f s (save() %,d bytes)", n, doc.buildSeconds(), doc.saved().length));
      return doc;
    });
  }

  private JsonObject withProfile(JsonObject result, String serverName, boolean profile, Path jfr) {
    if (profile && serverName.equals("docsync") && Files.exists(jfr)) {
      try {
        result.put("profile", JfrProfile.summarize(jfr, 25));
      } catch (IOException | RuntimeException e) {
        result.put("profileError", e.toString());
      }
    }
    return result;
  }

  private Server server(String name, String scenario, String pgUrl, Path jfr) {
    return server(name, scenario, pgUrl, jfr, null);
  }

  /** @param profiler async-profiler's agent for the docsync JVM's measured windows (see AsyncProfile), or null */
  private Server server(String name, String scenario, String pgUrl, Path jfr, Path profiler) {
    Path dir = work.resolve("servers").resolve(scenario + "-" + name);
    deleteTree(dir);
    Server server;
    if (name.equals("docsync") || name.equals(BASELINE)) {
      Path jar = Path.of(name.equals(BASELINE) ? options.get("baseline-jar")
          : options.getOrDefault("jar", "target/docsync.jar")).toAbsolutePath();
      if (!Files.exists(jar)) {
        throw new IllegalStateException("no docsync jar at " + jar + (name.equals(BASELINE) ? " (--baseline-jar=...)"
            : " (mvn package, or --jar=...)"));
      }
      // As in the container (Dockerfile): glibc keeps what the Automerge core freed (a document load's scratch
      // memory) unless trimmed; untrimmed, a 50k-change document's cold fetch left 101 MB resident instead of 65 MB.
      List<String> jvm = new ArrayList<>(List.of("-Xmx2g", "-XX:TrimNativeHeapInterval=1000"));
      if (options.containsKey("docsync-jvm")) { // extra JVM options of the docsync server, space-separated
        jvm.addAll(Arrays.asList(options.get("docsync-jvm").trim().split("\\s+")));
      }
      if (profiler != null) {
        // Loaded at start, idle until a window: loaded into a running JVM, it made the JIT redo compiled code.
        jvm.add("-agentpath:" + profiler);
      }
      server = new Server.Docsync(jar, dir, pgUrl, jfr, jvm, docsyncEnv()).profileWindows(profiler);
    } else if (name.equals("reference")) {
      Path ref = Path.of(options.getOrDefault("reference", "bench/reference-server")).toAbsolutePath();
      if (!Files.isDirectory(ref.resolve("node_modules"))) {
        throw new IllegalStateException("run npm ci in " + ref + " first");
      }
      server = new Server.Reference(ref, dir);
    } else {
      throw new IllegalArgumentException("unknown server " + name);
    }
    server.start();
    log("  " + name + " started (pid " + server.pid() + ") at " + server.url());
    return server;
  }

  /** docsync on the machine's PostgreSQL (a scratch database), next to pgbench on the same server. */
  private JsonObject durability(Scenarios sc, String serverName) throws Exception {
    Settings s = settings;
    if (!serverName.equals("docsync")) {
      try (Server server = server(serverName, "durability", null, null)) {
        return sc.ramp(server, s.durDocs(), s.durClientsPerDoc(), s.durRates(), s.durWarmup(), s.durWindow(), s.durDrain(), 1000);
      }
    }
    String admin = options.getOrDefault("pg-admin", "postgresql://postgres@127.0.0.1:5432/postgres");
    String db = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    sql(admin, "CREATE DATABASE " + db);
    String url = admin.substring(0, admin.lastIndexOf('/') + 1) + db;
    try {
      JsonObject result;
      try (Server server = server(serverName, "durability", url, null)) {
        result = sc.ramp(server, s.durDocs(), s.durClientsPerDoc(), s.durRates(), s.durWarmup(), s.durWindow(), s.durDrain(), 1000);
      }
      result.put("database", "machine PostgreSQL " + sqlValue(url, "SHOW server_version") + ", fsync="
          + sqlValue(url, "SHOW fsync") + ", synchronous_commit=" + sqlValue(url, "SHOW synchronous_commit"));
      result.put("pgbench", pgbench(work, settings.pgbenchSeconds(), url, db));
      return result;
    } finally {
      sql(admin, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }
  }

  /** Single-row inserts of a 200-byte chunk, one per transaction: the commit rate the server can do. */
  static JsonObject pgbench(Path work, int seconds, String url, String db) throws Exception {
    sql(url, "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, doc_id text NOT NULL, hash bytea NOT NULL, data bytea NOT NULL)");
    Path script = work.resolve("pgbench-insert.sql");
    Files.writeString(script, "INSERT INTO bench_insert (doc_id, hash, data) VALUES ('doc-' || (random() * 100)::int, "
        + "sha256(random()::text::bytea), decode(repeat('ab', 200), 'hex'));\n");
    io.vertx.pgclient.PgConnectOptions o = io.vertx.pgclient.PgConnectOptions.fromUri(url);
    JsonObject out = new JsonObject();
    for (int clients : new int[] {1, 8}) {
      String text = Proc.run(seconds + 60, "pgbench", "-h", o.getHost(), "-p", Integer.toString(o.getPort()),
          "-U", o.getUser(), "-n", "-c", Integer.toString(clients), "-j", Integer.toString(Math.min(clients, 2)),
          "-T", Integer.toString(seconds), "-f", script.toString(), db);
      Matcher m = Pattern.compile("tps = ([0-9.]+)").matcher(text);
      double tps = m.find() ? Double.parseDouble(m.group(1)) : -1;
      out.put("clients" + clients, Math.round(tps));
      log("  pgbench single-row insert, " + clients + " client(s): " + Math.round(tps) + " tps");
      if (tps < 0) {
        log(text);
      }
    }
    return out;
  }

  static void sql(String url, String statement) throws SQLException {
    io.vertx.pgclient.PgConnectOptions o = io.vertx.pgclient.PgConnectOptions.fromUri(url);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase(),
        o.getUser(), o.getPassword()); Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  static String sqlValue(String url, String query) {
    io.vertx.pgclient.PgConnectOptions o = io.vertx.pgclient.PgConnectOptions.fromUri(url);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase(),
        o.getUser(), o.getPassword()); Statement st = c.createStatement(); var rs = st.executeQuery(query)) {
      return rs.next() ? rs.getString(1) : "?";
    } catch (SQLException e) {
      return "?";
    }
  }

  // ---- environment ----

  private static JsonObject machine() {
    return new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("memory", Proc.firstLine(Path.of("/proc/meminfo"), "MemTotal:"))
        .put("cpu", Proc.firstLine(Path.of("/proc/cpuinfo"), "model name\t:"))
        .put("kernel", Proc.run(5, "uname", "-sr"))
        .put("openFiles", Proc.run(5, "sh", "-c", "ulimit -n"));
  }

  private JsonObject versions() {
    return new JsonObject()
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
        .put("node", Proc.run(10, "node", "--version"))
        .put("pgbench", Proc.run(10, "pgbench", "--version"))
        .put("docsyncCommit", Proc.run(10, "git", "rev-parse", "--short", "HEAD")
            + (Proc.run(10, "git", "status", "--porcelain", "--untracked-files=no", "src/main").isEmpty() ? "" : " + uncommitted changes in src/main"))
        .put("referencePackages", referencePackages())
        .put("baseline", !options.containsKey("baseline-jar") ? ""
            : options.containsKey("baseline-commit") ? Proc.run(10, "git", "log", "-1", "--format=commit %h (%ad)",
                "--date=short", options.get("baseline-commit")) : options.get("baseline-jar"));
  }

  private JsonObject referencePackages() {
    JsonObject out = new JsonObject();
    try {
      Path lock = Path.of(options.getOrDefault("reference", "bench/reference-server"), "package-lock.json");
      JsonObject packages = new JsonObject(Files.readString(lock)).getJsonObject("packages");
      for (String name : List.of("@automerge/automerge", "@automerge/automerge-repo", "@automerge/automerge-repo-network-websocket",
          "@automerge/automerge-repo-storage-nodefs", "ws")) {
        JsonObject p = packages.getJsonObject("node_modules/" + name);
        out.put(name, p == null ? "?" : p.getString("version"));
      }
    } catch (IOException | RuntimeException e) {
      out.put("error", e.toString());
    }
    return out;
  }

  private JsonArray readJmh() {
    String file = options.get("jmh");
    try {
      return file == null || !Files.exists(Path.of(file)) ? null : new JsonArray(Files.readString(Path.of(file)));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private String readNotes() {
    String file = options.get("notes");
    try {
      return file == null || !Files.exists(Path.of(file)) ? null : Files.readString(Path.of(file));
    } catch (IOException e) {
      return null;
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      List<Path> paths = new ArrayList<>(walk.toList());
      java.util.Collections.reverse(paths);
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot clear " + dir, e);
    }
  }

  /** For the smoke test: one scenario against a running server, tiny settings. */
  static JsonObject smoke(LoadGenerator gen, Server server, String scenario) {
    Settings s = Settings.smoke();
    Scenarios sc = new Scenarios(gen, true, SyncBench::log);
    return switch (scenario) {
      case "many" -> sc.ramp(server, s.manyDocs(), s.manyClientsPerDoc(), s.manyRates(), s.manyWarmup(), s.manyWindow(),
          s.manyDrain(), s.p99LimitMs());
      case "hot" -> sc.hotDocument(server, s.hotTypists(), s.hotPerTypist(), s.hotJvmWarmup(), s.hotWarmup(), s.hotWindow(), s.hotDrain());
      case "bootstrap" -> sc.bigDocument(server, Scenarios.buildDocument(s.bootstrapChanges()), false, 60_000);
      case "connections" -> sc.connections(server, s.connections());
      default -> throw new IllegalArgumentException(scenario);
    };
  }
}
