package dev.docsync.webapp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a Node script of the web app's folders and collects its JSON lines; stderr goes to the test log. */
final class NodeScript {
  static final Path PROJECT = Path.of("").toAbsolutePath();
  static final Path WEBAPP = PROJECT.resolve("src/main/webapp");
  static final Path BROWSER = PROJECT.resolve("src/test/browser");
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  record Result(int exitCode, List<JsonObject> lines, String output) {}

  private NodeScript() {}

  /** Skips (assumption) when something the test needs is missing, unless CI is set: there it must be present. */
  static void require(boolean present, String what) {
    if (System.getenv("CI") != null && !present) {
      throw new AssertionError(what + " is missing on CI (.ci/run installs it)");
    }
    assumeTrue(present, what + " is missing: test skipped");
  }

  static boolean installed(Path folder) {
    return Files.isDirectory(folder.resolve("node_modules"));
  }

  /** The build folder (target/ or -Dbuild.dir), where screenshots go. */
  static Path buildDir() {
    try {
      return Path.of(NodeScript.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
    } catch (Exception e) {
      return PROJECT.resolve("target");
    }
  }

  static Result run(Path dir, Map<String, String> env, Duration timeout, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("node"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(env);
    Process process = builder.start();
    List<JsonObject> lines = new ArrayList<>();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          System.out.println("[" + dir.getFileName() + "] " + line);
          output.append(line).append('\n');
          if (line.startsWith("{")) {
            synchronized (lines) {
              lines.add(new JsonObject(line));
            }
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    reader.start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("node " + String.join(" ", args) + " did not finish within " + timeout);
    }
    reader.join(5_000);
    synchronized (lines) {
      return new Result(process.exitValue(), List.copyOf(lines), output.toString());
    }
  }
}
