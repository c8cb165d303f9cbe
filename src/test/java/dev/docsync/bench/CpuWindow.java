package dev.docsync.bench;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** CPU used between two readings, in percent of one core (200% = both cores of a 2-core machine). */
final class CpuWindow {
  private final long wall;
  private final long server;
  private final long helpers;
  private final long self;
  private final long[] machine;
  private final Map<String, Long> serverThreads;
  private final long commits;
  private final Server target;

  private CpuWindow(Server target) {
    this.target = target;
    this.wall = System.nanoTime();
    this.server = target == null ? 0 : Proc.cpuTicks(target.serverPids());
    this.helpers = target == null ? 0 : Proc.cpuTicks(target.helperPids());
    this.self = Proc.cpuTicks(Proc.selfPid());
    this.machine = Proc.machineTicks();
    this.serverThreads = new TreeMap<>();
    if (target != null) {
      for (long pid : target.serverPids()) {
        Proc.threadTicks(pid).forEach((k, v) -> serverThreads.merge(k, v, Long::sum));
      }
    }
    this.commits = target == null ? -1 : target.dbCommits();
  }

  static CpuWindow begin(Server target) {
    return new CpuWindow(target);
  }

  /** serverCpu (all its JVMs), dbCpu (embedded PostgreSQL, or a cluster's backends in the machine's), generatorCpu, machineCpu (% of one core) and per-thread-group server CPU. */
  JsonObject end() {
    CpuWindow now = new CpuWindow(target);
    double seconds = (now.wall - wall) / 1e9;
    JsonObject threads = new JsonObject();
    Map<String, Long> sorted = new TreeMap<>();
    now.serverThreads.forEach((k, v) -> {
      long d = v - serverThreads.getOrDefault(k, 0L);
      if (d > 0) {
        sorted.put(k, d);
      }
    });
    sorted.forEach((k, v) -> threads.put(k, round(pct(v, seconds))));
    long machineBusy = now.machine[0] - machine[0];
    long machineTotal = now.machine[1] - machine[1];
    int cores = Runtime.getRuntime().availableProcessors();
    double machineCpu = machineTotal == 0 ? 0 : 100.0 * cores * machineBusy / machineTotal;
    double ours = pct(now.server - server, seconds) + pct(Math.max(0, now.helpers - helpers), seconds) + pct(now.self - self, seconds);
    JsonObject out = new JsonObject();
    if (commits >= 0 && now.commits >= 0) { // a cluster's shared database: what each change costs it in commits
      out.put("dbCommitsPerSecond", round((now.commits - commits) / seconds));
    }
    return out
        .put("otherCpu", round(Math.max(0, machineCpu - ours)))
        .put("serverCpu", round(pct(now.server - server, seconds)))
        .put("dbCpu", round(pct(Math.max(0, now.helpers - helpers), seconds)))
        .put("generatorCpu", round(pct(now.self - self, seconds)))
        .put("machineCpu", round(machineTotal == 0 ? 0 : 100.0 * cores * machineBusy / machineTotal))
        .put("serverThreads", threads);
  }

  private static double pct(long ticks, double seconds) {
    return seconds <= 0 ? 0 : 100.0 * ticks / Proc.CLK_TCK / seconds;
  }

  /** % of a core the JIT compiler threads took in a window's figures (its "serverThreads"), or null. */
  static Double jitPct(JsonObject usage) {
    JsonObject threads = usage.getJsonObject("serverThreads");
    return threads == null ? null : threads.fieldNames().stream()
        .filter(t -> t.startsWith("C") && t.contains("CompilerThre")).mapToDouble(threads::getDouble).sum();
  }

  static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /**
   * The machine is shared (other builds and tests may run on it): waits until processes other than
   * the server, its database and this generator use less than {@code maxOtherPct} of a core over 2 s,
   * at most {@code maxWaitMs}. Returns what the others used in the last 2 s.
   */
  static double awaitQuiet(Server server, double maxOtherPct, long maxWaitMs, java.util.function.Consumer<String> log) {
    long deadline = System.currentTimeMillis() + maxWaitMs;
    boolean told = false;
    while (true) {
      CpuWindow w = begin(server);
      Proc.sleep(2000);
      double other = w.end().getDouble("otherCpu");
      if (other < maxOtherPct) {
        return other;
      }
      if (System.currentTimeMillis() > deadline) {
        log.accept(String.format("  machine still busy with other processes (%.0f%% of a core): measuring anyway", other));
        return other;
      }
      if (!told) {
        log.accept(String.format("  other processes use %.0f%% of a core: waiting for a quiet machine", other));
        told = true;
      }
    }
  }
}
