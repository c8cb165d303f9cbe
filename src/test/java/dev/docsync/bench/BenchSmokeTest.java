package dev.docsync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the benchmark working: its scenarios with tiny numbers (a few seconds) against docsync
 * running in this JVM, and against the Node reference server when bench/reference-server has its
 * packages installed (bench/run.sh does that). The full benchmark is bench/run.sh, not a unit test.
 */
class BenchSmokeTest {
  private static TestService service;
  private static LoadGenerator gen;

  @BeforeAll
  static void start() {
    service = TestService.start();
    gen = new LoadGenerator(2);
  }

  @AfterAll
  static void stop() {
    if (gen != null) {
      gen.close();
    }
    if (service != null) {
      service.close();
    }
  }

  /** docsync in this JVM: CPU and memory readings are of the test JVM itself. */
  private static Server inProcess() {
    return new Server("docsync", Path.of("target")) {
      @Override
      String url() {
        return "ws://127.0.0.1:" + service.httpPort() + "/sync";
      }

      @Override
      protected List<String> command() {
        throw new UnsupportedOperationException();
      }

      @Override
      protected boolean ready(Path log) {
        return true;
      }

      @Override
      long pid() {
        return Proc.selfPid();
      }

      @Override
      void stop() {}

      @Override
      void gc() {
        System.gc();
      }
    };
  }

  @Test
  void manyDocumentsPropagatesEveryChange() {
    JsonObject result = SyncBench.smoke(gen, inProcess(), "many");
    assertEveryStepDelivered(result.getJsonArray("steps"));
    assertThat(result.getDouble("sustained")).isPositive();
  }

  @Test
  void hotDocumentPropagatesEveryChange() {
    JsonObject result = SyncBench.smoke(gen, inProcess(), "hot");
    assertEveryStepDelivered(result.getJsonArray("steps"));
    assertThat(result.getJsonArray("steps").getJsonObject(0).getDouble("serverCpu")).isNotNegative();
  }

  @Test
  void newClientGetsTheWholeDocument() {
    JsonObject result = SyncBench.smoke(gen, inProcess(), "bootstrap");
    assertThat(result.getJsonObject("warm").getDouble("seconds")).isPositive();
    assertThat(result.getJsonObject("warm").getLong("bytesIn")).isPositive();
  }

  @Test
  void referenceServerWhenInstalled() throws Exception {
    Path ref = Path.of("bench/reference-server").toAbsolutePath();
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(ref.resolve("node_modules")),
        "bench/reference-server has no node_modules (npm ci there, or bench/run.sh)");
    Path work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath(), "bench-smoke-");
    try (Server reference = new Server.Reference(ref, work)) {
      reference.start();
      JsonObject result = SyncBench.smoke(gen, reference, "many");
      assertEveryStepDelivered(result.getJsonArray("steps"));
    }
  }

  private static void assertEveryStepDelivered(JsonArray steps) {
    assertThat(steps).isNotEmpty();
    for (Object o : steps) {
      JsonObject step = (JsonObject) o;
      assertThat(step.getLong("samples")).as("propagation samples in %s", step).isPositive();
      assertThat(step.getLong("missing")).as("changes that never arrived in %s", step).isZero();
      assertThat(step.getLong("clientErrors")).as("client errors in %s", step).isZero();
    }
  }
}
