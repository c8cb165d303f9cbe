package dev.docsync.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU samples of a docsync JVM over one measured window, by async-profiler (its agent is loaded at the JVM's start, see
 * SyncBench, and jcmd starts and stops it around the window): every thread's CPU, Java and native frames alike (JFR
 * under-samples the JNI calls and recompiles the hot path), split into a per-change budget.
 */
final class AsyncProfile {
  /** A sample per millisecond of a thread's CPU, at most (perf events); the split is scaled to the CPU read from /proc. */
  static final int INTERVAL_US = 1_000;
  static final String JIT = "JIT compiler";

  /** Component of a sample: the first of these its frames match, from the leaf up (kernel and libc frames skipped). */
  private static final List<Map.Entry<String, Pattern>> COMPONENTS = List.of(
      Map.entry("Automerge core (JNI calls)", Pattern.compile("automerge::|^org/automerge/")),
      Map.entry("PostgreSQL client", Pattern.compile("^io/vertx/(pgclient|sqlclient)/|^dev/docsync/store/")),
      Map.entry("CBOR, JSON, Base64", Pattern.compile("^com/fasterxml/jackson/|^io/vertx/core/json/|WsCodec|Base64")),
      Map.entry("metrics", Pattern.compile("^io/micrometer/|^dev/docsync/metrics/|^io/vertx/micrometer/")),
      Map.entry("thread hand-offs (wake-ups, parking, polling)",
          Pattern.compile("LockSupport\\.(park|unpark)|\\.wakeup$|NioIoHandler\\.select|EPoll\\.wait|EventFD|clearInterrupt")),
      Map.entry("WebSocket frames (Netty, Vert.x)", Pattern.compile("^io/netty/handler/codec/http/websocketx/|^io/vertx/core/http/")),
      Map.entry("event bus", Pattern.compile("^io/vertx/core/eventbus/")),
      Map.entry("docsync (routing, owner, checks)", Pattern.compile("^dev/docsync/")),
      Map.entry("Netty socket I/O and pipeline", Pattern.compile("^io/netty/|^sun/nio/")),
      Map.entry("Vert.x, other", Pattern.compile("^io/vertx/")));
  /** async-profiler's thread frame; the name loses its number. */
  private static final Pattern THREAD = Pattern.compile("\\[(.*?)[-#]?\\d*(?: tid=\\d+)?]");
  private static final Pattern NATIVE_NOISE = Pattern.compile(".*_\\[k\\]$|^[^/:]*$");

  private AsyncProfile() {}

  /** The agent from the test classpath, copied to {@code dir}; null where it has none for this machine. */
  static Path library(Path dir) {
    if (!System.getProperty("os.name").startsWith("Linux") || !System.getProperty("os.arch").equals("amd64")) {
      return null;
    }
    try (InputStream in = AsyncProfile.class.getResourceAsStream("/linux-x64/libasyncProfiler.so")) {
      if (in == null) {
        return null;
      }
      Path lib = dir.resolve("libasyncProfiler.so");
      Files.createDirectories(dir);
      Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
      return lib;
    } catch (IOException e) {
      return null;
    }
  }

  /** Starts sampling in the JVM {@code pid}; whether the agent took the command. */
  static boolean start(Path lib, long pid) {
    return agent(lib, pid, "start,event=cpu,interval=" + INTERVAL_US * 1000L + ",threads");
  }

  /** Stops sampling and writes the samples, one collapsed stack per line, to {@code out}. */
  static boolean stop(Path lib, long pid, Path out) {
    return agent(lib, pid, "stop,file=" + out + ",collapsed");
  }

  /** Each load of the agent runs its command; quoted, as jcmd would split the command's '=' into options of its own. */
  private static boolean agent(Path lib, long pid, String command) {
    return Proc.run(60, "jcmd", Long.toString(pid), "JVMTI.agent_load", lib.toString(), '"' + command + '"')
        .contains("return code: 0");
  }

  /**
   * {@code usPerChange}, the server's CPU per change in the window, split by component and by thread group in the
   * proportions of the samples (they are fewer than the CPU's milliseconds: the kernel drops some).
   */
  static JsonObject budget(Path collapsed, double usPerChange) throws IOException {
    Map<String, Long> byComponent = new LinkedHashMap<>();
    Map<String, Long> byThread = new LinkedHashMap<>();
    long total = 0;
    for (String line : Files.readAllLines(collapsed)) {
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      long samples = Long.parseLong(line.substring(space + 1).trim());
      String[] frames = line.substring(0, space).split(";");
      String thread = threadGroup(frames[0]);
      byThread.merge(thread, samples, Long::sum);
      byComponent.merge(component(thread, frames), samples, Long::sum);
      total += samples;
    }
    return new JsonObject()
        .put("samples", total)
        .put("usPerChange", CpuWindow.round(usPerChange))
        .put("byComponent", ranked(byComponent, total, usPerChange))
        .put("byThread", ranked(byThread, total, usPerChange));
  }

  /**
   * {@code budget} (split of another window's samples) set to a measured window: the JIT compiler's row is that window's
   * own ({@code jitUs}, from its compiler threads' CPU), every other component gets its share of the rest of
   * {@code usPerChange} as in the samples. The JIT compiles when it does; the proportions of the rest hold.
   */
  static JsonObject withJit(JsonObject budget, double usPerChange, double jitUs) {
    List<JsonObject> others = budget.getJsonArray("byComponent").stream().map(o -> (JsonObject) o)
        .filter(c -> !c.getString("name").equals(JIT)).toList();
    double otherPct = others.stream().mapToDouble(c -> c.getDouble("pct")).sum();
    double rest = Math.max(0, usPerChange - jitUs);
    List<JsonObject> rows = new ArrayList<>();
    rows.add(row(JIT, jitUs, usPerChange));
    others.forEach(c -> rows.add(row(c.getString("name"), otherPct <= 0 ? 0 : rest * c.getDouble("pct") / otherPct, usPerChange)));
    rows.sort(Comparator.comparingDouble((JsonObject c) -> c.getDouble("usPerChange")).reversed());
    return budget.copy().put("usPerChange", CpuWindow.round(usPerChange)).put("byComponent", new JsonArray(rows));
  }

  private static JsonObject row(String name, double us, double total) {
    return new JsonObject().put("name", name).put("usPerChange", CpuWindow.round(us))
        .put("pct", CpuWindow.round(total <= 0 ? 0 : 100 * us / total));
  }

  static String component(String thread, String[] frames) {
    if (thread.contains("CompilerThre")) { // native thread names are cut at 15 characters
      return JIT;
    }
    if (thread.startsWith("GC Thread") || thread.startsWith("G1 ")) {
      return "garbage collector";
    }
    for (int i = frames.length - 1; i >= 0; i--) {
      String frame = frames[i];
      if (NATIVE_NOISE.matcher(frame).matches() && !frame.contains("automerge")) {
        continue;
      }
      for (Map.Entry<String, Pattern> c : COMPONENTS) {
        if (c.getValue().matcher(frame).find()) {
          return c.getKey();
        }
      }
    }
    return "other (JVM, libc, kernel)";
  }

  /** "[vert.x-eventloop-thread-3 tid=42]" → "vert.x-eventloop-thread"; a stack without a thread frame → "?". */
  static String threadGroup(String first) {
    Matcher thread = THREAD.matcher(first);
    return thread.matches() ? thread.group(1) : "?";
  }

  private static JsonArray ranked(Map<String, Long> samples, long total, double usPerChange) {
    JsonArray out = new JsonArray();
    samples.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> out.add(new JsonObject()
            .put("name", e.getKey())
            .put("usPerChange", CpuWindow.round(usPerChange * e.getValue() / Math.max(1, total)))
            .put("pct", CpuWindow.round(100.0 * e.getValue() / Math.max(1, total)))));
    return out;
  }
}
