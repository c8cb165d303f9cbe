package dev.docsync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs on the build machines (and no Dockerfile linter is served to them), so the image's
 * rules are checked here, on the Dockerfile's text.
 */
class DockerfileRulesTest {
  private final String dockerfile = read("Dockerfile");
  private final List<String> runtime = runtimeStage();

  @Test
  void theImageChecksItsHealthAndIsStoppedGracefully() {
    assertThat(line("HEALTHCHECK")).as("HEALTHCHECK").isNotNull();
    assertThat(dockerfile).contains("/health");
    String entrypoint = line("ENTRYPOINT");
    assertThat(entrypoint).as("exec form under an init that forwards SIGTERM")
        .startsWith("ENTRYPOINT [\"tini\", \"--\", \"java\"");
  }

  @Test
  void theJvmFitsItsContainer() {
    assertThat(dockerfile).contains("-XX:MaxRAMPercentage=").contains("-XX:+ExitOnOutOfMemoryError");
  }

  @Test
  void itRunsAsAnUnprivilegedUserWithItsDataInAVolume() {
    String user = line("USER");
    assertThat(user).isNotNull().isNotEqualTo("USER root").isNotEqualTo("USER 0");
    assertThat(line("VOLUME")).contains("/var/lib/docsync/data");
  }

  @Test
  void everyPortItCanOpenIsExposed() {
    assertThat(line("EXPOSE")).contains("8080").contains("7001");
  }

  @Test
  void nativeLibrariesAreUnpackedAtBuildTimeWhereTheServiceLooks() {
    assertThat(runtime).anyMatch(l -> l.startsWith("RUN java -Djava.io.tmpdir=/opt/docsync/native -jar /opt/docsync/docsync.jar unpack"));
    assertThat(line("ENTRYPOINT")).contains("-Djava.io.tmpdir=/opt/docsync/native");
  }

  @Test
  void theBuildContextCarriesNoDataAndNoBuildOutput() {
    List<String> ignored = read(".dockerignore").lines().map(String::trim).toList();
    assertThat(ignored).contains("target/", "data/", "**/node_modules/", ".git/");
  }

  private String line(String instruction) {
    return runtime.stream().filter(l -> l.startsWith(instruction + " ")).reduce((a, b) -> b).orElse(null);
  }

  /** The instructions after the last FROM, continuation lines joined. */
  private List<String> runtimeStage() {
    String joined = dockerfile.replace("\\\n", " ");
    List<String> lines = joined.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    int from = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("FROM ")) {
        from = i;
      }
    }
    return lines.subList(from, lines.size());
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }
}
