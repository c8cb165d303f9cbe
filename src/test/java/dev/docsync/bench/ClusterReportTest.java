package dev.docsync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The cluster section's place in docs/benchmarks.md: replaced alone, kept by runs without it, never duplicated. */
class ClusterReportTest {
  private static final String REPORT = "# Benchmarks\n\n## Durability\n\nrows\n\n## Microbenchmarks (JMH)\n\njmh\n\n## Analysis\n\ntext\n";
  private static final String SECTION = "## Cluster: one node vs three\n\nnew figures\n\n";

  @Test
  void insertsBeforeTheMicrobenchmarksWhenAbsent() {
    String out = ClusterReport.replace(REPORT, SECTION);

    assertThat(out).contains("rows\n\n## Cluster: one node vs three\n\nnew figures\n\n## Microbenchmarks (JMH)");
    assertThat(ClusterReport.extract(out)).isEqualTo(SECTION);
  }

  @Test
  void replacesOnlyTheClusterSection() {
    String old = ClusterReport.replace(REPORT, "## Cluster: one node vs three\n\nold figures\n\n");

    String out = ClusterReport.replace(old, SECTION);

    assertThat(out).isEqualTo(ClusterReport.replace(REPORT, SECTION));
    assertThat(out).doesNotContain("old figures");
  }

  @Test
  void aRunWithoutTheClusterScenarioKeepsTheLastSection() {
    String published = ClusterReport.replace(REPORT, SECTION);
    String regenerated = REPORT.replace("rows", "new rows");

    String out = ClusterReport.replace(regenerated, ClusterReport.extract(published));

    assertThat(out).contains("new rows").contains("new figures");
    assertThat(ClusterReport.extract(REPORT)).isNull();
    assertThat(ClusterReport.replace(REPORT, null)).isEqualTo(REPORT);
  }

  @Test
  void aSectionAtTheEndRunsToTheEnd() {
    String out = ClusterReport.replace("# B\n\n## Other\n\nx\n", SECTION);

    assertThat(out).isEqualTo("# B\n\n## Other\n\nx\n" + SECTION);
    assertThat(ClusterReport.replace(out, "## Cluster\n\ny\n")).isEqualTo("# B\n\n## Other\n\nx\n## Cluster\n\ny\n");
  }
}
