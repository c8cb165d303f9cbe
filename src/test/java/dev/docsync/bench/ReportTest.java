package dev.docsync.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Figures the report derives: CPU per change (against the reference and the baseline jar), sustained rates. */
class ReportTest {

  @Test
  void aServerThatFailedItsFirstStepSustainedLessThanThatStep() {
    JsonObject many = new JsonObject()
        .put("docsync", ramp(400, step(100, 100, 1, 0, 0), step(400, 400, 1, 0, 0)))
        .put("reference", ramp(0, step(100, 100, 100, 0, 0).put("p99", 162.0)));
    String md = new Report(new JsonObject().put("startedAt", "2026-11-30T00:00:00Z").put("many", many),
        SyncBench.Settings.smoke(), null, null).markdown();
    assertTrue(md.contains("| 400 | < 100 (its first step failed: p99 162 ms) | > 4.00x |"), md);
    assertTrue(md.contains("(400 vs < 100 (its first step failed: p99 162 ms) changes/s, p99 10.0 vs 162 ms)"), md);
  }

  @Test
  void pricesAChangeAgainstTheReferenceAndTheBaseline() {
    JsonObject hot = new JsonObject()
        .put("docsync", steps(step(4, 24, 6.0, 1.2, 1_000), step(16, 96, 48.0, 4.8, 3_000)))
        .put(SyncBench.BASELINE, steps(step(4, 24, 8.0, 1.6, 1_500), step(16, 96, 60.0, 4.8, 4_000)))
        .put("reference", steps(step(4, 24, 10.8, 0, 0), step(16, 96, 72.0, 0, 0)));
    String md = report(hot, "commit abc1234 (2026-11-23)");

    // 4 typists: (6.0 + 1.2) % of a core at 24 changes/s = 3,000 µs per change; the baseline 4,000, the reference 4,500.
    assertTrue(md.contains("| **docsync, JVM + PostgreSQL** | 3,000 | 5,500 |"), md);
    assertTrue(md.contains("| **reference (node)** | 4,500 | 7,500 |"), md);
    assertTrue(md.contains("| docsync / reference | 0.67x | 0.73x |"), md);
    assertTrue(md.contains("docsync commit abc1234 (2026-11-23)"), md);
    assertTrue(md.contains("| **docsync, JVM + PostgreSQL** | 4,000 | 6,750 |"), md);
    assertTrue(md.contains("| docsync now / before | 0.75x | 0.81x |"), md);
  }

  @Test
  void noBeforeTableWithoutABaseline() {
    JsonObject hot = new JsonObject()
        .put("docsync", steps(step(4, 24, 6.0, 1.2, 1_000)))
        .put("reference", steps(step(4, 24, 10.8, 0, 0)));
    String md = report(hot, "");
    assertTrue(md.contains("| docsync / reference | 0.67x |"), md);
    assertFalse(md.contains("now / before"), md);
  }

  private static String report(JsonObject hot, String baseline) {
    JsonObject results = new JsonObject().put("startedAt", "2026-11-30T00:00:00Z").put("machine", new JsonObject().put("cores", 2))
        .put("versions", new JsonObject().put("baseline", baseline)).put("hot", hot);
    return new Report(results, SyncBench.Settings.smoke(), null, null).markdown();
  }

  private static JsonObject ramp(double sustained, JsonObject... steps) {
    JsonObject best = steps[steps.length - 1].copy().put("p99", 10.0);
    return steps(steps).put("sustained", sustained).put("atSustained", sustained > 0 ? best : null);
  }

  private static JsonObject steps(JsonObject... steps) {
    return new JsonObject().put("steps", new JsonArray(java.util.List.of((Object[]) steps)));
  }

  private static JsonObject step(int typists, double rate, double serverCpu, double dbCpu, double coreUs) {
    JsonObject step = new JsonObject().put("typists", typists).put("targetRate", rate).put("offered", rate)
        .put("achieved", rate).put("serverCpu", serverCpu).put("dbCpu", dbCpu);
    if (coreUs > 0) {
      step.put("cpuBudget", new JsonObject().put("samples", 100).put("byComponent", new JsonArray()
          .add(new JsonObject().put("name", "Automerge core (JNI calls)").put("usPerChange", coreUs))));
    }
    return step;
  }
}
