package dev.docsync.store.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zero-setup default database: a real PostgreSQL (zonky binaries) on a data directory that is kept
 * across restarts, with durability on.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  private static final String DATABASE = "docsync";
  /** Crash recovery (WAL replay) can outlast zonky's 10 s default start wait. */
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
  private static final Duration STOP_WAIT = Duration.ofSeconds(30);

  private final EmbeddedPostgres pg;
  private final Path dataDir;
  private boolean closed;

  private EmbeddedPostgresServer(EmbeddedPostgres pg, Path dataDir) {
    this.pg = pg;
    this.dataDir = dataDir;
  }

  /**
   * Blocking (call it off the event loop). Starts PostgreSQL on dataDir (created if missing, initdb only
   * when it holds no cluster yet, NEVER wiped), listening on 127.0.0.1:port (port 0 = pick a free one).
   */
  public static EmbeddedPostgresServer start(Path dataDir, int port) throws IOException {
    long t0 = System.nanoTime();
    PostgresBinaries.checkAvailable();
    Path dir = dataDir.toAbsolutePath().normalize();
    checkNotInZonkyWorkingDir(dir);
    Files.createDirectories(dir);
    checkNotOwnedByLiveJvm(dir);
    stopLeftoverPostmaster(dir, "orphaned by a JVM that died without stopping it");
    EmbeddedPostgresServer server = new EmbeddedPostgresServer(builder(dir, port).start(), dir);
    try {
      server.createDatabaseIfMissing();
    } catch (SQLException | RuntimeException e) {
      server.close();
      throw new IOException("cannot create database " + DATABASE, e);
    }
    LOG.info("Embedded PostgreSQL on {} ready at 127.0.0.1:{} in {} ms",
        dir, server.port(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    return server;
  }

  private static EmbeddedPostgres.Builder builder(Path dir, int port) {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        // zonky's default deletes the directory on close: this one holds the service's data.
        .setCleanDataDirectory(false)
        // zonky's default shutdown hook stops PostgreSQL at SIGTERM while the service is still stopping
        // (in-flight appends fail, final sync states are lost): close() is called by whoever started it.
        .setRegisterShutdownHook(false)
        .setPort(port)
        .setPGStartupWait(STARTUP_WAIT)
        // zonky passes -F (fsync off) and synchronous_commit=off; a later -c wins over -F.
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("full_page_writes", "on")
        .setServerConfig("listen_addresses", "127.0.0.1")
        // Only read by initdb: C locale keeps initdb independent of the host's installed locales.
        .setLocaleConfig("locale", "C");
  }

  /** postgresql://postgres@127.0.0.1:PORT/docsync — the database docsync is created if it does not exist. */
  public String url() {
    return "postgresql://postgres@127.0.0.1:" + port() + "/" + DATABASE;
  }

  public int port() {
    return pg.getPort();
  }

  /** Clean stop (fast shutdown: sessions are cut, a shutdown checkpoint is written); idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      pg.close();
    } catch (IOException e) {
      LOG.warn("Stopping embedded PostgreSQL on {} failed", dataDir, e);
    }
    try {
      // pg_ctl stop gives up after 5 s; a long shutdown checkpoint must not leave a running server behind.
      stopLeftoverPostmaster(dataDir, "still running after pg_ctl stop");
    } catch (IOException e) {
      LOG.warn("Cleaning up after PostgreSQL on {} failed", dataDir, e);
    }
  }

  private void createDatabaseIfMissing() throws SQLException {
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      boolean exists = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'").next();
      if (!exists) {
        s.execute("CREATE DATABASE " + DATABASE);
      }
    }
  }

  /** At each start zonky deletes any child of its working directory whose epg-lock is 10 min old. */
  private static void checkNotInZonkyWorkingDir(Path dir) throws IOException {
    String tmpDefault = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg").toString();
    Path zonkyDir = Path.of(System.getProperty("ot.epg.working-dir", tmpDefault)).toAbsolutePath().normalize();
    if (zonkyDir.equals(dir.getParent())) {
      throw new IOException("data directory " + dir + " would be deleted by zonky: move it out of " + zonkyDir);
    }
  }

  /**
   * zonky holds a file lock on epg-lock while it runs the server; if that lock is taken, a live JVM owns
   * this directory and its postmaster must not be touched. The lock dies with its JVM, even on SIGKILL.
   */
  private static void checkNotOwnedByLiveJvm(Path dir) throws IOException {
    Path lockFile = dir.resolve("epg-lock");
    if (!Files.exists(lockFile)) {
      return; // never create it here: initdb refuses a non-empty directory
    }
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock()) {
      if (lock != null) {
        return;
      }
    } catch (OverlappingFileLockException e) {
      // held by this very JVM
    }
    throw new IOException("PostgreSQL data directory " + dir + " is in use by a running server");
  }

  /**
   * Stops a postmaster still running on dir (SIGINT = fast shutdown, SIGKILL as last resort), since a
   * new one refuses to start next to it. A postmaster.pid naming a dead process is left to postgres.
   */
  private static void stopLeftoverPostmaster(Path dir, String why) throws IOException {
    OptionalLong pid = postmasterPid(dir);
    if (pid.isEmpty()) {
      return;
    }
    if (!servesDir(pid.getAsLong(), dir)) {
      removeIfPidReused(pid.getAsLong(), dir);
      return;
    }
    LOG.warn("PostgreSQL (pid {}) on {} is {}: stopping it", pid.getAsLong(), dir, why);
    signal("INT", pid.getAsLong());
    if (!awaitExit(pid.getAsLong(), dir, STOP_WAIT)) {
      LOG.warn("PostgreSQL (pid {}) ignored fast shutdown for {} s: killing it", pid.getAsLong(),
          STOP_WAIT.toSeconds());
      signal("KILL", pid.getAsLong());
      awaitExit(pid.getAsLong(), dir, Duration.ofSeconds(5));
    }
  }

  /**
   * After a reboot the pid in a stale postmaster.pid may belong to an unrelated live process: postgres
   * then refuses to start ("is another postmaster running?"), so the file must go.
   */
  private static void removeIfPidReused(long pid, Path dir) throws IOException {
    if (Files.isDirectory(Path.of("/proc", Long.toString(pid)))) {
      LOG.warn("Stale postmaster.pid in {} names pid {}, now an unrelated process: removing it", dir, pid);
      Files.deleteIfExists(dir.resolve("postmaster.pid"));
    }
  }

  /** First line of postmaster.pid, the postmaster's pid; empty when there is no (readable) file. */
  private static OptionalLong postmasterPid(Path dir) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("postmaster.pid"));
      return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * A postmaster runs with its data directory as working directory: checking /proc/PID/cwd guards
   * against a pid reused (e.g. after a reboot) by an unrelated process, which must never be signalled.
   */
  private static boolean servesDir(long pid, Path dir) {
    try {
      return Files.isSameFile(Path.of("/proc", Long.toString(pid), "cwd"), dir);
    } catch (IOException e) {
      return false; // dead, or not ours to inspect
    }
  }

  /** True once the process has exited (a not yet reaped zombie has no cwd any more, so it counts). */
  private static boolean awaitExit(long pid, Path dir, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (servesDir(pid, dir)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(100);
    }
    return true;
  }

  /** Java can only send SIGTERM/SIGKILL; SIGINT (fast shutdown) needs kill(1). */
  private static void signal(String sig, long pid) {
    try {
      new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
    } catch (IOException e) {
      LOG.warn("kill -{} {} failed", sig, pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for PostgreSQL to stop", e);
    }
  }
}
