package dev.docsync.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** docs/grafana-dashboard.json only charts metrics that docsync registers (a renamed meter breaks it here, not in Grafana). */
class DashboardTest {
  private static final Pattern METRIC = Pattern.compile("docsync_[a-z_]+");
  /** Prometheus suffixes Micrometer adds to a meter's dotted name. */
  private static final Pattern SUFFIX = Pattern.compile("(_seconds)?(_bucket|_total|_count|_sum)?$");

  @Test
  void everyChartedDocsyncMetricIsRegisteredInTheCode() throws IOException {
    JsonObject dashboard = new JsonObject(Files.readString(Path.of("docs/grafana-dashboard.json")));
    assertThat(dashboard.getJsonArray("panels")).hasSizeGreaterThan(10);
    Set<String> charted = new TreeSet<>();
    Matcher m = METRIC.matcher(dashboard.encode());
    while (m.find()) {
      charted.add(m.group());
    }
    String code = mainSources();
    for (String metric : charted) {
      String meter = SUFFIX.matcher(metric).replaceFirst("").replace('_', '.');
      assertThat(code).as("%s is charted; the code registers \"%s\"", metric, meter).contains("\"" + meter + "\"");
    }
  }

  private static String mainSources() throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        all.append(Files.readString(f));
      }
    }
    return all.toString();
  }
}
