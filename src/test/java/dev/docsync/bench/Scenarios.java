package dev.docsync.bench;

import dev.docsync.client.DocumentIds;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;

/**
 * The benchmark's scenarios, each run against one {@link Server} with the simulated clients of a
 * {@link LoadGenerator}. Every method returns its figures as JSON (the report is made from it).
 */
final class Scenarios {
  /** Generator event-loop lag p99 above this: the generator, not the server, shapes the latencies. */
  static final double GENERATOR_LAG_LIMIT_MS = 20;
  /** Other processes above this (% of a core) during a window: the figures are marked as contended. */
  static final double CONTENDED_PCT = 25;
  static final double QUIET_PCT = 15;
  static final long QUIET_WAIT_MS = Long.getLong("bench.quietWaitMs", 300_000);

  private final LoadGenerator gen;
  private final boolean durableClients;
  private final Consumer<String> log;

  Scenarios(LoadGenerator gen, boolean durableClients, Consumer<String> log) {
    this.gen = gen;
    this.durableClients = durableClients;
    this.log = log;
  }

  // ---- populations ----

  private List<DocGroup> population(int docs, int clientsPerDoc) {
    byte[] base = DocGroup.baseDocument();
    List<DocGroup> groups = new ArrayList<>();
    for (int d = 0; d < docs; d++) {
      DocGroup group = new DocGroup(DocumentIds.generate(), base);
      for (int c = 0; c < clientsPerDoc; c++) {
        group.add(gen, durableClients);
      }
      groups.add(group);
    }
    return groups;
  }

  private static List<SimClient> clients(List<DocGroup> groups) {
    List<SimClient> all = new ArrayList<>();
    groups.forEach(g -> all.addAll(g.clients));
    return all;
  }

  /** Connects every client, lets each say its first sync message, waits until all are in sync. */
  private void connectAndSync(Server server, List<SimClient> clients, long timeoutMs) {
    int failed = gen.forAll(clients, 200, 60_000, c -> c.connect(server.url(), false));
    if (failed > 0) {
      throw new IllegalStateException(failed + " of " + clients.size() + " clients could not connect to " + server.name);
    }
    gen.forAll(clients, 1000, 60_000, SimClient::startSync);
    long deadline = System.currentTimeMillis() + timeoutMs;
    int pending = clients.size();
    while (System.currentTimeMillis() < deadline) {
      pending = 0;
      for (SimClient c : clients) {
        if (!LoadGenerator.await(c.inSync(), 10_000)) {
          pending++;
        }
      }
      if (pending == 0) {
        return;
      }
      Proc.sleep(200);
    }
    log.accept("  warning: " + pending + " clients not in sync after " + timeoutMs + " ms; going on");
  }

  private void closeAll(List<SimClient> clients) {
    gen.forAll(clients, 1000, 60_000, SimClient::close);
  }

  // ---- one measured step ----

  /** Typing at {@code totalRate} changes/s spread over the clients; a warm-up, a window, a drain. */
  JsonObject step(Server server, List<SimClient> clients, double totalRate, double warmupS, double windowS, double drainS) {
    return step(server, clients, totalRate, warmupS, windowS, drainS, false);
  }

  /** The same, the window sampled by async-profiler where the server can be ({@code sampled}): see hotDocument. */
  JsonObject step(Server server, List<SimClient> clients, double totalRate, double warmupS, double windowS, double drainS,
                  boolean sampled) {
    CpuWindow.awaitQuiet(server, QUIET_PCT, QUIET_WAIT_MS, log);
    long start = System.nanoTime();
    Step step = new Step(start + Step.nanos(warmupS), start + Step.nanos(warmupS + windowS), Step.nanos(1));
    gen.step(step);
    double perClient = totalRate / clients.size();
    gen.forAll(clients, 2000, 60_000, c -> c.startTyping(perClient));
    sleepUntil(step.windowStart);
    // Sampling starts before the window and stops after it: the jcmd processes that do it are not in its CPU.
    boolean profiling = sampled && server.startWindowProfile();
    CpuWindow cpu = CpuWindow.begin(server);
    gen.lagSinceLastCall();
    sleepUntil(step.windowEnd);
    JsonObject usage = cpu.end();
    Histogram lag = gen.lagSinceLastCall();
    Path samples = profiling ? server.stopWindowProfile() : null;
    gen.forAll(clients, 2000, 60_000, SimClient::stopTyping);
    gen.barrier();
    long drainEnd = System.nanoTime() + Step.nanos(drainS);
    while (!step.drained() && System.nanoTime() < drainEnd) {
      Proc.sleep(20);
    }
    long finish = System.nanoTime();
    gen.forAll(clients, 2000, 60_000, c -> c.countMissing(step, finish));
    gen.step(null);
    gen.barrier();
    long errors = clients.stream().mapToLong(c -> c.errors).sum();
    Histogram h = step.histogram();
    double offered = step.committed.sum() / step.windowSeconds();
    long expected = step.expected.sum();
    double achieved = expected == 0 ? 0 : offered * step.arrivedInGrace.sum() / expected;
    JsonObject result = new JsonObject()
        .put("targetRate", totalRate)
        .put("offered", CpuWindow.round(offered))
        .put("achieved", CpuWindow.round(achieved))
        .put("samples", h.getTotalCount())
        .put("missing", step.missing.sum())
        .put("p50", Step.ms(h.getValueAtPercentile(50)))
        .put("p90", Step.ms(h.getValueAtPercentile(90)))
        .put("p99", Step.ms(h.getValueAtPercentile(99)))
        .put("max", Step.ms(h.getMaxValue()))
        .put("generatorLagP99", Step.ms(lag.getValueAtPercentile(99)))
        .put("generatorLagMax", Step.ms(lag.getMaxValue()))
        .put("clientErrors", errors)
        .put("genMessagesPerClient", CpuWindow.round(step.receives.sum() / step.windowSeconds() / clients.size()))
        .put("genReceiveUs", CpuWindow.round(perCall(step.receiveNanos, step.receives)))
        .put("genGenerateUs", CpuWindow.round(perCall(step.generateNanos, step.generates)))
        .mergeIn(usage);
    if (profiling) {
      result.put("samplesFile", samples == null ? null : samples.toString());
    }
    result.put("generatorBound", result.getDouble("generatorLagP99") > GENERATOR_LAG_LIMIT_MS);
    result.put("contended", usage.getDouble("otherCpu") > CONTENDED_PCT);
    log.accept(String.format("  %-9s rate %7.0f/s offered %7.1f achieved %7.1f  p50 %7.1f p99 %8.1f max %8.1f ms"
            + "  cpu server %5.1f%% db %5.1f%% gen %5.1f%% machine %5.1f%% other %5.1f%%  lag p99 %.1f ms"
            + "  client: %.0f msg/s, receive %.0f us, generate %.0f us%s%s",
        server.name, totalRate, offered, achieved, result.getDouble("p50"), result.getDouble("p99"), result.getDouble("max"),
        usage.getDouble("serverCpu"), usage.getDouble("dbCpu"), usage.getDouble("generatorCpu"), usage.getDouble("machineCpu"),
        usage.getDouble("otherCpu"), result.getDouble("generatorLagP99"), result.getDouble("genMessagesPerClient"),
        result.getDouble("genReceiveUs"), result.getDouble("genGenerateUs"), result.getBoolean("generatorBound") ? " GENERATOR-BOUND" : "",
        result.getBoolean("contended") ? " CONTENDED" : ""));
    return result;
  }

  /**
   * Sampling costs the server CPU of its own (async-profiler's perf events on every thread: +27% of docsync's CPU at 4
   * typists, +11% at 16, A/B of 2026-11-30), so a step's figures come from its unsampled window and the split from a
   * second, sampled step right after it (as many typists, a fresh document): the JIT compiler's row is the unsampled
   * window's own (it compiles when it does), the samples' other proportions are applied to the rest of its CPU.
   */
  private static void sampledBudget(JsonObject step, JsonObject sampled) {
    String samples = sampled.getString("samplesFile");
    JsonObject budget = budget(samples == null ? null : Path.of(samples), usPerChange(step));
    Double jitPct = CpuWindow.jitPct(step);
    if (!budget.containsKey("error") && jitPct != null && step.getDouble("offered") > 0) {
      budget = AsyncProfile.withJit(budget, usPerChange(step), jitPct * 10_000 / step.getDouble("offered"));
    }
    step.put("cpuBudget", budget)
        .put("sampledWindow", new JsonObject().put("serverCpu", sampled.getDouble("serverCpu"))
            .put("offered", sampled.getDouble("offered")).put("usPerChange", CpuWindow.round(usPerChange(sampled))));
  }

  private static double usPerChange(JsonObject step) {
    double offered = step.getDouble("offered");
    return offered <= 0 ? 0 : step.getDouble("serverCpu") * 10_000 / offered;
  }

  private static JsonObject budget(Path samples, double usPerChange) {
    try {
      return samples == null ? new JsonObject().put("error", "no samples") : AsyncProfile.budget(samples, usPerChange);
    } catch (java.io.IOException | RuntimeException e) {
      return new JsonObject().put("error", e.toString());
    }
  }

  private static double perCall(java.util.concurrent.atomic.LongAdder nanos, java.util.concurrent.atomic.LongAdder calls) {
    return calls.sum() == 0 ? 0 : nanos.sum() / 1000.0 / calls.sum();
  }

  private static void sleepUntil(long nanoTime) {
    long ms = (nanoTime - System.nanoTime()) / 1_000_000;
    if (ms > 0) {
      Proc.sleep(ms);
    }
  }

  // ---- scenarios ----

  /**
   * Many documents: {@code docs} documents with {@code clientsPerDoc} typists each; the total rate goes
   * up step by step until p99 passes {@code p99LimitMs} (or the server no longer keeps up).
   */
  JsonObject ramp(Server server, int docs, int clientsPerDoc, double[] rates, double warmupS, double windowS,
                  double drainS, double p99LimitMs) {
    return ramp(server, docs, clientsPerDoc, rates, warmupS, windowS, drainS, p99LimitMs, 0);
  }

  /** As above; first, with every client connected and in sync, {@code idleS} seconds without typing: the fixed cost. */
  JsonObject ramp(Server server, int docs, int clientsPerDoc, double[] rates, double warmupS, double windowS,
                  double drainS, double p99LimitMs, double idleS) {
    List<DocGroup> groups = population(docs, clientsPerDoc);
    List<SimClient> clients = clients(groups);
    long t0 = System.nanoTime();
    connectAndSync(server, clients, 60_000);
    log.accept(String.format("  %s: %d clients on %d documents connected and in sync in %.1f s", server.name,
        clients.size(), docs, (System.nanoTime() - t0) / 1e9));
    JsonObject idle = null;
    if (idleS > 0) {
      CpuWindow.awaitQuiet(server, QUIET_PCT, QUIET_WAIT_MS, log);
      CpuWindow cpu = CpuWindow.begin(server);
      Proc.sleep((long) (idleS * 1000));
      idle = cpu.end();
      log.accept(String.format("  idle with %d documents: server %.1f%% db %.1f%% other %.1f%% of a core", docs,
          idle.getDouble("serverCpu"), idle.getDouble("dbCpu"), idle.getDouble("otherCpu")));
    }
    JsonArray steps = new JsonArray();
    double sustained = 0;
    JsonObject best = null;
    try {
      for (double rate : rates) {
        JsonObject s = step(server, clients, rate, warmupS, windowS, drainS);
        if (!passes(s, p99LimitMs) && s.getBoolean("contended")) {
          log.accept("  other processes took CPU during a failed step: repeating it");
          s = step(server, clients, rate, warmupS, windowS, drainS).put("repeated", true);
        }
        steps.add(s);
        boolean keptUp = s.getDouble("achieved") >= 0.95 * s.getDouble("offered") && s.getLong("missing") == 0;
        if (s.getDouble("p99") <= p99LimitMs && keptUp) {
          if (s.getDouble("achieved") > sustained) {
            sustained = s.getDouble("achieved");
            best = s;
          }
        } else {
          break;
        }
      }
    } finally {
      closeAll(clients);
    }
    JsonObject result = new JsonObject().put("docs", docs).put("clientsPerDoc", clientsPerDoc).put("p99LimitMs", p99LimitMs)
        .put("steps", steps).put("sustained", sustained).put("atSustained", best);
    return idle == null ? result : result.put("idle", idle);
  }

  /**
   * The ramp on several servers at once, in turn: each rate on every server before the next rate, so that a machine
   * whose load varies (shared with other work) weighs on all of them alike. Every server has its own clients, all
   * connected throughout. A server leaves the ramp once it no longer keeps up (achieved < 95% of offered, changes
   * missing) or its p99 passes {@code stopP99Ms}; {@code sustained} is its best rate with p99 <= {@code p99LimitMs},
   * {@code keptUp} its best rate kept up with. Before the steps, {@code idleS} seconds without typing on each.
   */
  List<JsonObject> rampInTurn(List<Server> servers, int docs, int clientsPerDoc, double[] rates, double warmupS, double windowS,
                              double drainS, double p99LimitMs, double stopP99Ms, double idleS) {
    List<List<SimClient>> clients = new ArrayList<>();
    List<JsonObject> results = new ArrayList<>();
    try {
      for (Server server : servers) {
        List<SimClient> own = clients(population(docs, clientsPerDoc));
        clients.add(own);
        long t0 = System.nanoTime();
        connectAndSync(server, own, 60_000);
        log.accept(String.format("  %s: %d clients on %d documents connected and in sync in %.1f s", server.name,
            own.size(), docs, (System.nanoTime() - t0) / 1e9));
        results.add(new JsonObject().put("docs", docs).put("clientsPerDoc", clientsPerDoc).put("p99LimitMs", p99LimitMs)
            .put("stopP99Ms", stopP99Ms).put("steps", new JsonArray()).put("sustained", 0.0).put("keptUp", 0.0));
      }
      for (int i = 0; i < servers.size() && idleS > 0; i++) {
        CpuWindow.awaitQuiet(servers.get(i), QUIET_PCT, QUIET_WAIT_MS, log);
        CpuWindow cpu = CpuWindow.begin(servers.get(i));
        Proc.sleep((long) (idleS * 1000));
        JsonObject idle = cpu.end();
        results.get(i).put("idle", idle);
        log.accept(String.format("  %s idle with %d documents: server %.1f%% db %.1f%% other %.1f%% of a core", servers.get(i).name,
            docs, idle.getDouble("serverCpu"), idle.getDouble("dbCpu"), idle.getDouble("otherCpu")));
      }
      boolean[] going = new boolean[servers.size()];
      java.util.Arrays.fill(going, true);
      for (double rate : rates) {
        for (int i = 0; i < servers.size(); i++) {
          if (!going[i]) {
            continue;
          }
          JsonObject s = step(servers.get(i), clients.get(i), rate, warmupS, windowS, drainS);
          if (!passes(s, p99LimitMs) && s.getBoolean("contended")) {
            log.accept("  other processes took CPU during a failed step: repeating it");
            s = step(servers.get(i), clients.get(i), rate, warmupS, windowS, drainS).put("repeated", true);
          }
          JsonObject r = results.get(i);
          r.getJsonArray("steps").add(s);
          boolean keptUp = s.getDouble("achieved") >= 0.95 * s.getDouble("offered") && s.getLong("missing") == 0;
          if (keptUp) {
            r.put("keptUp", Math.max(r.getDouble("keptUp"), s.getDouble("achieved")));
          }
          if (passes(s, p99LimitMs)) {
            r.put("sustained", Math.max(r.getDouble("sustained"), s.getDouble("achieved")));
          }
          going[i] = keptUp && s.getDouble("p99") <= stopP99Ms;
        }
      }
    } finally {
      clients.forEach(this::closeAll);
    }
    return results;
  }

  private static boolean passes(JsonObject s, double p99LimitMs) {
    return s.getDouble("p99") <= p99LimitMs && s.getDouble("achieved") >= 0.95 * s.getDouble("offered") && s.getLong("missing") == 0;
  }

  /**
   * Hot document: n typists on one document, each at {@code perTypist} changes/s, for each n. First, unmeasured,
   * {@code jvmWarmupS} of the first step's typists on other documents, each typing {@link #JVM_WARMUP_PACE} times as
   * fast: a server runs for days, so its steady state is measured, not its JIT compiler; the reference gets the same.
   * At the measured pace the JIT was still compiling in the windows (async-profiler, 2026-11-30: half of docsync's CPU
   * in the first 4-typist windows after 60 s of it, in C2), since C2 compiles a method after thousands of calls.
   */
  static final int JVM_WARMUP_PACE = 4;

  JsonObject hotDocument(Server server, int[] typists, double perTypist, double jvmWarmupS, double warmupS, double windowS,
                         double drainS) {
    JsonArray steps = new JsonArray();
    for (int round = 0; jvmWarmupS > 0 && round < 2; round++) {
      // Twice, clients joining and leaving: the first departures load classes that make the JIT drop and redo much of
      // the compiled WebSocket path (measured: 164 compiled methods invalidated at once, after 300 s of typing).
      List<SimClient> clients = clients(population(1, typists[0]));
      try {
        connectAndSync(server, clients, 60_000);
        step(server, clients, typists[0] * perTypist * JVM_WARMUP_PACE, jvmWarmupS / 2, 1, drainS);
      } finally {
        closeAll(clients);
      }
    }
    for (int n : typists) {
      JsonObject s = hotStep(server, n, perTypist, warmupS, windowS, drainS, false);
      if (server.profilesWindows()) {
        sampledBudget(s, hotStep(server, n, perTypist, warmupS, windowS, drainS, true));
      }
      steps.add(s.put("typists", n));
    }
    return new JsonObject().put("perTypist", perTypist).put("steps", steps);
  }

  /** n typists on a fresh document: one step (repeated once if other processes took CPU in its window). */
  private JsonObject hotStep(Server server, int n, double perTypist, double warmupS, double windowS, double drainS,
                             boolean sampled) {
    List<SimClient> clients = clients(population(1, n));
    try {
      connectAndSync(server, clients, 60_000);
      JsonObject s = step(server, clients, n * perTypist, warmupS, windowS, drainS, sampled);
      if (s.getBoolean("contended")) {
        log.accept("  other processes took CPU during the window: repeating it");
        s = step(server, clients, n * perTypist, warmupS, windowS, drainS, sampled).put("repeated", true);
      }
      return s;
    } finally {
      closeAll(clients);
    }
  }

  /** A document of {@code changes} one-character changes, built locally: its save() bytes and heads. */
  static BigDoc buildDocument(int changes) {
    long t0 = System.nanoTime();
    Document doc = Document.load(DocGroup.baseDocument());
    java.util.Random letters = new java.util.Random(42); // typed text does not compress like a repeated alphabet
    try {
      ObjectId text = ((org.automerge.AmValue.Text) doc.get(ObjectId.ROOT, "text").orElseThrow()).getId();
      for (int i = 0; i < changes - 1; i++) {
        try (Transaction tx = doc.startTransaction()) {
          tx.spliceText(text, i, 0, Character.toString('a' + letters.nextInt(26)));
          tx.commit();
        }
      }
      byte[] saved = doc.save();
      return new BigDoc(changes, saved, hex(doc.getHeads()), (System.nanoTime() - t0) / 1e9);
    } finally {
      doc.free();
    }
  }

  record BigDoc(int changes, byte[] saved, Set<String> heads, double buildSeconds) {}

  static Set<String> hex(ChangeHash[] heads) {
    Set<String> out = new TreeSet<>();
    for (ChangeHash h : heads) {
      out.add(HexFormat.of().formatHex(h.getBytes()));
    }
    return out;
  }

  /**
   * Uploads {@code doc} through one client; then a new, empty client fetches it cold (server restarted)
   * and warm (document still loaded). Time from its first message to holding every change; bytes
   * received; resident memory of the server before and after (after a full GC each time).
   */
  JsonObject bigDocument(Server server, BigDoc doc, boolean cold, long timeoutMs) {
    DocGroup group = new DocGroup(DocumentIds.generate(), DocGroup.baseDocument());
    JsonObject result = new JsonObject().put("changes", doc.changes()).put("saveBytes", doc.saved().length);
    SimClient uploader = group.add(gen, durableClients);
    long t0 = System.nanoTime();
    LoadGenerator.await(uploader.connect(server.url(), false), 60_000);
    LoadGenerator.await(uploader.adopt(doc.saved()), 120_000);
    LoadGenerator.await(uploader.startSync(), 60_000);
    LoadGenerator.await(uploader.until(SimClient::syncedWithServer), timeoutMs);
    result.put("uploadSeconds", CpuWindow.round((System.nanoTime() - t0) / 1e7) / 100.0)
        .put("uploadBytesOut", uploader.bytesOut());
    LoadGenerator.await(uploader.close(), 60_000);
    Proc.sleep(1500); // the reference server saves at most every 100 ms; docsync acknowledged after commit
    if (cold) {
      server.restart();
      server.gc();
      long before = server.rssKb();
      result.put("cold", fetch(server, group, doc, timeoutMs)).put("rssBeforeColdKb", before);
      server.gc();
      result.put("rssAfterColdKb", server.rssKb()).put("heldKb", server.rssKb() - before);
    }
    result.put("warm", fetch(server, group, doc, timeoutMs));
    server.gc();
    result.put("rssAfterWarmKb", server.rssKb());
    log.accept("  " + server.name + " " + result.encode());
    return result;
  }

  private JsonObject fetch(Server server, DocGroup group, BigDoc doc, long timeoutMs) {
    SimClient client = group.add(gen, durableClients);
    try {
      LoadGenerator.await(client.connect(server.url(), true), 60_000);
      // The generator's first load of a large document in its process costs it ~35% more than later ones (fresh
      // native memory): measured 1.2 s against 0.8 s for the same bytes, whichever server came first. One unmeasured
      // load before each fetch keeps the order the servers run in out of their figures.
      Document.load(doc.saved()).free();
      double other = CpuWindow.awaitQuiet(server, QUIET_PCT, QUIET_WAIT_MS, log);
      CpuWindow cpu = CpuWindow.begin(server);
      long t0 = System.nanoTime();
      LoadGenerator.await(client.startSync(), 60_000);
      LoadGenerator.await(client.until(c -> hex(c.doc().getHeads()).equals(doc.heads())), timeoutMs);
      double seconds = (System.nanoTime() - t0) / 1e9;
      JsonObject usage = cpu.end();
      double first = client.firstMessageNanos == 0 ? seconds : (client.firstMessageNanos - t0) / 1e9;
      return new JsonObject().put("seconds", Math.round(seconds * 1000) / 1000.0)
          .put("firstMessageSeconds", Math.round(first * 1000) / 1000.0).put("bytesIn", client.bytesIn())
          .put("bytesOut", client.bytesOut()).put("messagesIn", client.messagesIn).put("serverCpu", usage.getDouble("serverCpu"))
          .put("otherCpu", usage.getDouble("otherCpu")).put("otherCpuBefore", other);
    } finally {
      LoadGenerator.await(client.close(), 60_000);
    }
  }

  /**
   * Idle connections: as many as {@code target} clients join (no document), then each opens its own
   * small document. Server resident memory (after a full GC) at each stage gives memory per connection
   * and per loaded document.
   */
  JsonObject connections(Server server, int target) {
    List<DocGroup> groups = population(target, 1);
    List<SimClient> clients = clients(groups);
    JsonObject result = new JsonObject().put("target", target);
    CpuWindow.awaitQuiet(server, QUIET_PCT, QUIET_WAIT_MS, log);
    server.gc();
    long rss0 = server.rssKb();
    long genRss0 = Proc.rssKb(Proc.selfPid());
    HeapHistogram heap0 = server instanceof Server.Docsync ? HeapHistogram.of(server.pid()) : null;
    long t0 = System.nanoTime();
    int failed = gen.forAll(clients, 250, 120_000, c -> c.connect(server.url(), false));
    int connected = target - failed;
    double connectSeconds = (System.nanoTime() - t0) / 1e9;
    Proc.sleep(2000);
    server.gc();
    long rss1 = server.rssKb();
    log.accept(String.format("  %s: %d/%d connected in %.1f s, RSS %d -> %d KB", server.name, connected, target,
        connectSeconds, rss0, rss1));
    if (heap0 != null && connected > 0) { // what each idle joined connection holds on the Java heap, by class
      result.put("heapPerConnection", HeapHistogram.of(server.pid()).growthSince(heap0, connected, 25));
      log.accept("  heap per connection: " + result.getJsonObject("heapPerConnection").encode());
    }
    long t1 = System.nanoTime();
    gen.forAll(clients, 500, 120_000, SimClient::startSync);
    int synced = 0;
    long deadline = System.currentTimeMillis() + 180_000;
    List<SimClient> waiting = new ArrayList<>(clients);
    while (!waiting.isEmpty() && System.currentTimeMillis() < deadline) {
      List<SimClient> still = new ArrayList<>();
      for (SimClient c : waiting) {
        if (!LoadGenerator.await(c.inSync(), 30_000)) {
          still.add(c);
        }
      }
      synced += waiting.size() - still.size();
      waiting = still;
      if (!waiting.isEmpty()) {
        Proc.sleep(500);
      }
    }
    double openSeconds = (System.nanoTime() - t1) / 1e9;
    Proc.sleep(2000);
    server.gc();
    long rss2 = server.rssKb();
    long genRss = Proc.rssKb(Proc.selfPid());
    CpuWindow idle = CpuWindow.begin(server);
    Proc.sleep(5000);
    JsonObject idleCpu = idle.end();
    result.put("connected", connected).put("connectSeconds", CpuWindow.round(connectSeconds))
        .put("documentsOpened", synced).put("openSeconds", CpuWindow.round(openSeconds))
        .put("rssBaseKb", rss0).put("rssConnectedKb", rss1).put("rssWithDocsKb", rss2)
        .put("perConnectionKb", connected == 0 ? 0 : CpuWindow.round((rss1 - rss0) / (double) connected))
        .put("perDocumentKb", synced == 0 ? 0 : CpuWindow.round((rss2 - rss1) / (double) synced))
        .put("idleServerCpu", idleCpu.getDouble("serverCpu"))
        .put("idleServerThreads", idleCpu.getJsonObject("serverThreads"))
        .put("generatorRssKb", genRss - genRss0);
    log.accept("  " + server.name + " " + result.encode());
    closeAll(clients);
    return result;
  }

  static Future<Void> done() {
    return Future.succeededFuture();
  }
}
