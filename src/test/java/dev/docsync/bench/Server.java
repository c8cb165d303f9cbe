package dev.docsync.bench;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A sync server under test, in its own process: docsync ({@code java -jar docsync.jar}) or the Node
 * reference server ({@code node bench/reference-server/server.mjs}). Start, stop, restart on the same
 * data, and the readings the benchmark takes of it (pid for CPU and resident memory, a full GC).
 */
abstract class Server implements AutoCloseable {
  /** Servers started and not yet stopped: a shutdown hook of the benchmark stops them. */
  private static final java.util.Set<Server> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

  final String name;
  final Path workDir;
  protected Process process;
  protected int port;
  private int starts;

  Server(String name, Path workDir) {
    this.name = name;
    this.workDir = workDir;
  }

  /** WebSocket URL of the automerge-repo endpoint. */
  abstract String url();

  /** Starts the process and returns once it serves. */
  void start() {
    try {
      Files.createDirectories(workDir);
      port = freePort();
      Path log = workDir.resolve(name + "-" + (++starts) + ".log");
      ProcessBuilder builder = new ProcessBuilder(command()).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().putAll(environment());
      process = builder.start();
      LIVE.add(this);
      awaitReady(log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name, e);
    }
  }

  protected abstract List<String> command();

  protected Map<String, String> environment() {
    return Map.of();
  }

  protected abstract boolean ready(Path log);

  private void awaitReady(Path log) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!ready(log)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " did not become ready in 120 s; see " + log);
      }
      Proc.sleep(100);
    }
  }

  /** Graceful stop (SIGTERM), forced after 60 s. */
  void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
    LIVE.remove(this);
    afterStop();
  }

  static void stopAll() {
    for (Server server : List.copyOf(LIVE)) {
      server.stop();
    }
  }

  protected void afterStop() {}

  void restart() {
    stop();
    start();
  }

  long pid() {
    return process.pid();
  }

  /** The server's own processes (one JVM, or every node of a cluster): their CPU is the server's. */
  List<Long> serverPids() {
    return List.of(pid());
  }

  /** Transactions committed in the server's database so far (pg_stat_database), -1 when not known. */
  long dbCommits() {
    return -1;
  }

  /** Processes that work for the server besides its own (the embedded PostgreSQL); not counted in its CPU or RSS. */
  List<Long> helperPids() {
    return List.of();
  }

  /** A full garbage collection, before reading resident memory. */
  abstract void gc();

  /** Whether {@link #startWindowProfile} samples anything. */
  boolean profilesWindows() {
    return false;
  }

  /** Starts sampling the server's CPU for a measured window (see AsyncProfile); false where it does not. */
  boolean startWindowProfile() {
    return false;
  }

  /** Stops what {@link #startWindowProfile} started: the file of its samples, or null. */
  Path stopWindowProfile() {
    return null;
  }

  long rssKb() {
    return Proc.rssKb(pid());
  }

  @Override
  public void close() {
    stop();
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** docsync from its shaded jar; embedded PostgreSQL (durable) in workDir/pgdata unless pgUrl is given. */
  static final class Docsync extends Server {
    private final Path jar;
    private final String pgUrl;
    private final Path jfr;
    private final List<String> jvmArgs;
    private final Map<String, String> extraEnv;
    /** async-profiler's agent, when measured windows are profiled. */
    private Path profiler;
    private int windows;

    Docsync(Path jar, Path workDir, String pgUrl, Path jfr, List<String> jvmArgs, Map<String, String> extraEnv) {
      super("docsync", workDir);
      this.jar = jar;
      this.pgUrl = pgUrl;
      this.jfr = jfr;
      this.jvmArgs = jvmArgs;
      this.extraEnv = extraEnv;
    }

    @Override
    String url() {
      return "ws://127.0.0.1:" + port + "/sync";
    }

    Path dataDir() {
      return workDir.resolve("pgdata");
    }

    @Override
    protected List<String> command() {
      List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Djava.io.tmpdir=" + workDir.resolve("tmp")));
      try {
        Files.createDirectories(workDir.resolve("tmp"));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      cmd.addAll(jvmArgs);
      if (jfr != null) {
        cmd.add("-XX:+FlightRecorder");
        cmd.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true");
      }
      cmd.addAll(List.of("-jar", jar.toString()));
      return cmd;
    }

    @Override
    protected Map<String, String> environment() {
      Map<String, String> env = new java.util.HashMap<>(Map.of(
          "DOCSYNC_HTTP_HOST", "127.0.0.1",
          "DOCSYNC_HTTP_PORT", Integer.toString(port),
          "DOCSYNC_AUTH_ENABLED", "false",
          "DOCSYNC_DATA_DIR", dataDir().toString(),
          "DOCSYNC_PG_URL", pgUrl == null ? "" : pgUrl));
      // Every simulated client connects from 127.0.0.1: per-IP and per-connection abuse limits would refuse
      // the load itself (the reference server has none).
      env.put("DOCSYNC_LIMIT_CONNECTIONS_PER_IP", "1000000");
      env.put("DOCSYNC_LIMIT_HTTP_CONNECTIONS_PER_IP", "0");
      env.put("DOCSYNC_LIMIT_PENDING_CONNECTIONS", "1000000");
      env.put("DOCSYNC_LIMIT_MESSAGES_PER_SECOND", "1000000");
      env.put("DOCSYNC_LIMIT_MESSAGE_BURST", "1000000");
      env.putAll(extraEnv);
      return env;
    }

    @Override
    protected boolean ready(Path log) {
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/health").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(2000);
        int code = c.getResponseCode();
        c.disconnect();
        return code == 200;
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    List<Long> helperPids() {
      try {
        String first = Files.readAllLines(dataDir().resolve("postmaster.pid")).get(0).trim();
        return Proc.tree(Long.parseLong(first));
      } catch (IOException | RuntimeException e) {
        return List.of();
      }
    }

    @Override
    void gc() {
      Proc.run(60, "jcmd", Long.toString(pid()), "GC.run");
    }

    /** Measured windows are sampled with this agent (see AsyncProfile). */
    Docsync profileWindows(Path agent) {
      this.profiler = agent;
      return this;
    }

    @Override
    boolean profilesWindows() {
      return profiler != null;
    }

    @Override
    boolean startWindowProfile() {
      return profiler != null && AsyncProfile.start(profiler, pid());
    }

    @Override
    Path stopWindowProfile() {
      Path out = workDir.resolve("window-" + ++windows + ".collapsed");
      return AsyncProfile.stop(profiler, pid(), out) && Files.exists(out) ? out : null;
    }

    /** A postmaster left behind by a docsync that had to be killed would block the next start: stop it (fast shutdown). */
    @Override
    protected void afterStop() {
      List<Long> left = helperPids();
      if (!left.isEmpty() && servesDataDir(left.get(0))) {
        Proc.run(10, "kill", "-INT", Long.toString(left.get(0)));
        for (int i = 0; i < 100 && Files.isDirectory(Path.of("/proc", Long.toString(left.get(0)))); i++) {
          Proc.sleep(100);
        }
      }
    }

    /** postgres runs in its data directory: guards against a stale pid file naming an unrelated process. */
    private boolean servesDataDir(long pid) {
      try {
        return Files.isSameFile(Path.of("/proc", Long.toString(pid), "cwd"), dataDir());
      } catch (IOException e) {
        return false;
      }
    }

    private static String javaBin() {
      return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
  }

  /** The Node reference server (automerge-repo Repo + NodeWSServerAdapter + NodeFSStorageAdapter). */
  static final class Reference extends Server {
    private final Path serverDir;

    Reference(Path serverDir, Path workDir) {
      super("reference", workDir);
      this.serverDir = serverDir;
    }

    @Override
    String url() {
      return "ws://127.0.0.1:" + port;
    }

    @Override
    protected List<String> command() {
      return List.of("node", "--expose-gc", "--max-old-space-size=8192",
          serverDir.resolve("server.mjs").toString(), Integer.toString(port), workDir.resolve("storage").toString());
    }

    @Override
    protected boolean ready(Path log) {
      try {
        return Files.exists(log) && Files.readString(log).contains("listening on");
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    void gc() {
      Proc.run(10, "kill", "-USR2", Long.toString(pid()));
      Proc.sleep(500);
    }
  }
}
