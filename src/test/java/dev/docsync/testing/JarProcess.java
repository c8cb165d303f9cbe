package dev.docsync.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built jar ({@code target/docsync.jar}) run as a user runs it: {@code java -jar target/docsync.jar ...}
 * in a working directory of its own, with ONLY the given environment (plus PATH and HOME), output in a file.
 */
public final class JarProcess implements AutoCloseable {
  public static final Path JAR = Path.of(System.getProperty("docsync.jar", "target/docsync.jar")).toAbsolutePath();

  private final Process process;
  private final Path output;

  private JarProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /** Starts {@code java -jar docsync.jar args} in {@code workDir} with only {@code env} (plus PATH and HOME). */
  public static JarProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
    Files.createDirectories(workDir);
    Path output = Files.createTempFile(workDir, "docsync-", ".log");
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectErrorStream(true).redirectOutput(output.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().put("HOME", System.getProperty("user.home"));
    pb.environment().putAll(env);
    return new JarProcess(pb.start(), output);
  }

  /** Runs a short command (e.g. {@code token ...}) to its end: its exit code and output. */
  public static Result run(Path workDir, Map<String, String> env, String... args) throws Exception {
    try (JarProcess p = start(workDir, env, args)) {
      if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("java -jar docsync.jar " + String.join(" ", args) + " did not end in 60 s: " + p.output());
      }
      return new Result(p.process.exitValue(), p.output());
    }
  }

  public record Result(int exitCode, String output) {
    /** The last non-empty line: a command's result (the token) when it prints one line. */
    public String lastLine() {
      List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
      return lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
    }
  }

  public static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  public Process process() {
    return process;
  }

  public String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(output unreadable: " + e + ")";
    }
  }

  /** Waits until GET /health answers 200, failing early (with the output) if the process ends. */
  public void awaitHealthy(int port, Duration timeout) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("docsync exited with " + process.exitValue() + " before it was healthy:\n" + output());
      }
      try {
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("docsync not healthy within " + timeout + ":\n" + output());
  }

  /** Waits for the process to end by itself; its exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("docsync still running after " + timeout + ":\n" + output());
    }
    return process.exitValue();
  }

  /** SIGTERM, as an operator or orchestrator stops it; its exit code. */
  public int stop() throws InterruptedException {
    process.destroy();
    return awaitExit(Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
