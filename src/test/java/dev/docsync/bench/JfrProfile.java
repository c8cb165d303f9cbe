package dev.docsync.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a docsync JVM spent its CPU, from a JFR recording (settings=profile): jdk.ExecutionSample
 * (threads running Java, every 10 ms) and jdk.NativeMethodSample (threads in native code, every
 * 20 ms, one thread per period — so native time is undercounted; the per-thread CPU read from /proc
 * during the run is the exact figure). Threads waiting in native code (epoll, park, sleep) are idle
 * and left out.
 */
final class JfrProfile {
  private static final Pattern IDLE = Pattern.compile(
      "(?i).*(wait|park|sleep|epoll|poll0?|select|accept0?|socketAccept|waitForProcessExit|readBytes).*");

  private JfrProfile() {}

  static JsonObject summarize(Path file, int top) throws IOException {
    Map<String, Long> selfMs = new HashMap<>();
    Map<String, Long> categoryMs = new HashMap<>();
    Map<String, Long> threadMs = new HashMap<>();
    Map<String, Long> docsyncInclusiveMs = new HashMap<>();
    long totalMs = 0;
    long javaSamples = 0;
    long nativeSamples = 0;
    try (RecordingFile recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent event = recording.readEvent();
        String type = event.getEventType().getName();
        boolean java = type.equals("jdk.ExecutionSample");
        if (!java && !type.equals("jdk.NativeMethodSample")) {
          continue;
        }
        RecordedStackTrace stack = event.getStackTrace();
        if (stack == null || stack.getFrames().isEmpty()) {
          continue;
        }
        List<RecordedFrame> frames = stack.getFrames();
        String topMethod = name(frames.get(0));
        if (!java && IDLE.matcher(frames.get(0).getMethod().getName()).matches()) {
          continue;
        }
        if (startup(frames)) {
          continue; // unpacking and starting the embedded PostgreSQL, not serving
        }
        long weight = java ? 10 : 20;
        if (java) {
          javaSamples++;
        } else {
          nativeSamples++;
        }
        totalMs += weight;
        selfMs.merge(topMethod + (java ? "" : " [native]"), weight, Long::sum);
        categoryMs.merge(category(frames), weight, Long::sum);
        String thread = event.getThread("sampledThread") == null ? "?" : event.getThread("sampledThread").getJavaName();
        threadMs.merge(thread == null ? "?" : thread.replaceAll("[0-9]+", "").replaceAll("[-_ #]+$", ""), weight, Long::sum);
        Set<String> seen = new HashSet<>();
        for (RecordedFrame frame : frames) {
          String cls = frame.getMethod().getType().getName();
          if (cls.startsWith("dev.docsync.")) {
            String m = name(frame);
            if (seen.add(m)) {
              docsyncInclusiveMs.merge(m, weight, Long::sum);
            }
          }
        }
      }
    }
    return new JsonObject()
        .put("file", file.getFileName().toString())
        .put("sampledMs", totalMs)
        .put("javaSamples", javaSamples)
        .put("nativeSamples", nativeSamples)
        .put("byCategory", topN(categoryMs, 20, totalMs))
        .put("byThread", topN(threadMs, 12, totalMs))
        .put("topSelf", topN(selfMs, top, totalMs))
        .put("docsyncInclusive", topN(docsyncInclusiveMs, top, totalMs));
  }

  private static boolean startup(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String cls = frame.getMethod().getType().getName();
      if (cls.startsWith("io.zonky.") || cls.equals("dev.docsync.store.embedded.EmbeddedPostgresServer")) {
        return true;
      }
    }
    return false;
  }

  private static String name(RecordedFrame frame) {
    String cls = frame.getMethod().getType().getName();
    return cls.substring(cls.lastIndexOf('.') + 1) + "." + frame.getMethod().getName() + (frame.isJavaFrame() ? ":" + frame.getLineNumber() : "");
  }

  /** The first frame from the top outside the JDK decides; a stack of JDK frames only is "JDK". */
  private static String category(List<RecordedFrame> frames) {
    String jdkTop = null;
    for (RecordedFrame frame : frames) {
      String cls = frame.getMethod().getType().getName();
      if (cls.startsWith("java.util.zip.")) {
        return "deflate/inflate (permessage-deflate)";
      }
      if (cls.startsWith("java.util.Base64")) {
        return "Base64";
      }
      if (cls.startsWith("java.") || cls.startsWith("jdk.") || cls.startsWith("sun.")) {
        if (jdkTop == null) {
          jdkTop = cls;
        }
        continue;
      }
      if (cls.startsWith("org.automerge.")) {
        return "Automerge core (JNI)";
      }
      if (cls.startsWith("io.netty.handler.codec.http.websocketx")) {
        return "Netty WebSocket codec";
      }
      if (cls.startsWith("io.netty.")) {
        return "Netty I/O";
      }
      if (cls.startsWith("com.fasterxml.")) {
        return "Jackson (CBOR, JSON)";
      }
      if (cls.startsWith("io.vertx.pgclient.") || cls.startsWith("io.vertx.sqlclient.")) {
        return "PostgreSQL client";
      }
      if (cls.startsWith("io.vertx.core.json.")) {
        return "Vert.x JSON";
      }
      if (cls.startsWith("io.vertx.core.eventbus.")) {
        return "Vert.x event bus";
      }
      if (cls.startsWith("io.vertx.")) {
        return "Vert.x other";
      }
      if (cls.startsWith("io.micrometer.")) {
        return "Micrometer";
      }
      if (cls.startsWith("dev.docsync.")) {
        return "docsync code";
      }
      if (cls.startsWith("org.slf4j.")) {
        return "logging";
      }
      return "other (" + cls.substring(0, Math.max(0, cls.lastIndexOf('.'))) + ")";
    }
    return "JDK (" + (jdkTop == null ? "?" : jdkTop.substring(0, Math.max(0, jdkTop.lastIndexOf('.')))) + ")";
  }

  private static JsonArray topN(Map<String, Long> counts, int n, long total) {
    JsonArray out = new JsonArray();
    counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
        .forEach(e -> out.add(new JsonObject().put("name", e.getKey()).put("ms", e.getValue())
            .put("pct", total == 0 ? 0 : Math.round(1000.0 * e.getValue() / total) / 10.0)));
    return out;
  }

  public static void main(String[] args) throws IOException {
    System.out.println(summarize(Path.of(args[0]), 25).encodePrettily());
  }
}
