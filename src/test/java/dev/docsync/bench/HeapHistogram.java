package dev.docsync.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * Live Java heap of a docsync server by class (jcmd GC.class_histogram, which runs a full GC first):
 * the difference between two histograms says what a population of connections or documents holds.
 */
final class HeapHistogram {
  /** Class name to {instances, bytes}. */
  private final Map<String, long[]> classes = new HashMap<>();

  static HeapHistogram of(long pid) {
    HeapHistogram h = new HeapHistogram();
    for (String line : Proc.run(120, "jcmd", Long.toString(pid), "GC.class_histogram").split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        h.classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
      }
    }
    return h;
  }

  long totalBytes() {
    return classes.values().stream().mapToLong(v -> v[1]).sum();
  }

  /** Growth from {@code before} per {@code per} items: total bytes and the {@code top} classes that grew most. */
  JsonObject growthSince(HeapHistogram before, int per, int top) {
    JsonArray rows = new JsonArray();
    classes.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), new long[] {e.getValue()[0] - before.get(e.getKey())[0], e.getValue()[1] - before.get(e.getKey())[1]}))
        .filter(e -> e.getValue()[1] > 0)
        .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[1]))
        .limit(top)
        .forEach(e -> rows.add(new JsonObject().put("class", e.getKey())
            .put("instancesPerItem", CpuWindow.round(e.getValue()[0] / (double) per))
            .put("bytesPerItem", CpuWindow.round(e.getValue()[1] / (double) per))));
    return new JsonObject().put("bytesPerItem", CpuWindow.round((totalBytes() - before.totalBytes()) / (double) per)).put("top", rows);
  }

  private long[] get(String name) {
    return classes.getOrDefault(name, new long[2]);
  }
}
