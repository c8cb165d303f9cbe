package dev.docsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.JarProcess;
import dev.docsync.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The built jar as a server (authentication on, development key, a fresh database) plus the jar's own
 * {@code token} and {@code client} commands run against it, as a user runs them.
 */
final class JarServer implements AutoCloseable {
  private static final Path WORK = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();

  final Path workDir;
  final int port;
  private final Map<String, String> env;
  private final JarProcess process;
  private String token;

  private JarServer(Path workDir, int port, Map<String, String> env, JarProcess process) {
    this.workDir = workDir;
    this.port = port;
    this.env = env;
    this.process = process;
  }

  static JarServer start() throws Exception {
    Files.createDirectories(WORK);
    Path workDir = Files.createTempDirectory(WORK, "client-it-");
    int port = DocsyncClientTest.freePort();
    Map<String, String> env = Map.of("DOCSYNC_HTTP_PORT", Integer.toString(port), "DOCSYNC_DATA_DIR", workDir.resolve("data").toString(),
        "DOCSYNC_PG_URL", TestDatabases.freshDatabaseUrl());
    JarProcess process = JarProcess.start(workDir, env);
    process.awaitHealthy(port, Duration.ofSeconds(90));
    return new JarServer(workDir, port, env, process);
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** A token for everything, minted by the jar's token command with the server's development key. */
  String token() throws Exception {
    if (token == null) {
      token = mint("--sub", "ada", "--read", "*", "--write", "*");
    }
    return token;
  }

  String mint(String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "token";
    System.arraycopy(args, 0, command, 1, args.length);
    JarProcess.Result result = JarProcess.run(workDir, env, command);
    assertThat(result.exitCode()).as("token: %s", result.output()).isZero();
    return result.output().lines().filter(l -> l.startsWith("eyJ")).findFirst().orElseThrow();
  }

  /** The environment a user of the client commands has: DOCSYNC_SERVER and DOCSYNC_TOKEN. */
  Map<String, String> clientEnv() throws Exception {
    Map<String, String> clientEnv = new HashMap<>();
    clientEnv.put("DOCSYNC_SERVER", url());
    clientEnv.put("DOCSYNC_TOKEN", token());
    return clientEnv;
  }

  /** {@code java -jar docsync.jar client args...} to its end. */
  JarProcess.Result client(String... args) throws Exception {
    return client(clientEnv(), args);
  }

  JarProcess.Result client(Map<String, String> clientEnv, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "client";
    System.arraycopy(args, 0, command, 1, args.length);
    return JarProcess.run(workDir, clientEnv, command);
  }

  JarProcess.Result ok(String... args) throws Exception {
    JarProcess.Result result = client(args);
    assertThat(result.exitCode()).as("client %s: %s", String.join(" ", args), result.output()).isZero();
    return result;
  }

  void stop() throws InterruptedException {
    process.stop();
  }

  @Override
  public void close() {
    process.close();
  }
}
