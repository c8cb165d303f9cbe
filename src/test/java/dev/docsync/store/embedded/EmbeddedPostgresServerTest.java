package dev.docsync.store.embedded;

import static dev.docsync.store.embedded.OrphaningServerMain.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.docsync.testing.TestDatabases;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresServerTest {

  static {
    // Surefire sets java.io.tmpdir to target/tmp; @TempDir needs it to exist.
    try {
      Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @TempDir Path tmp;

  @Test
  void dataSurvivesCloseAndRestartOnTheSameDirectory() throws Exception {
    Path dir = tmp.resolve("pgdata"); // missing: start() must create it
    long t0 = System.nanoTime();
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dir, 0)) {
      long first = millisSince(t0);
      execute(server.url(), "CREATE TABLE note (body text)", "INSERT INTO note VALUES ('kept')");
      System.out.printf("first start (initdb) %d ms%n", first);
    }
    // As after a reboot: a stale postmaster.pid whose pid now belongs to a live, unrelated process (us).
    Files.writeString(dir.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n" + dir + "\n");
    long t1 = System.nanoTime();
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dir, 0)) {
      System.out.printf("restart on existing cluster %d ms%n", millisSince(t1));
      assertThat(queryOne(server.url(), "SELECT string_agg(body, ',') FROM note")).isEqualTo("kept");
    }
  }

  @Test
  void durabilityIsOnAndOnlyLoopbackIsListenedOn() throws Exception {
    EmbeddedPostgresServer server = EmbeddedPostgresServer.start(tmp.resolve("pgdata"), 0);
    try {
      assertThat(server.url()).isEqualTo("postgresql://postgres@127.0.0.1:" + server.port() + "/docsync");
      assertThat(queryOne(server.url(), "SHOW fsync")).isEqualTo("on");
      assertThat(queryOne(server.url(), "SHOW synchronous_commit")).isEqualTo("on");
      assertThat(queryOne(server.url(), "SHOW full_page_writes")).isEqualTo("on");
      assertThat(queryOne(server.url(), "SHOW listen_addresses")).isEqualTo("127.0.0.1");
      assertThatThrownBy(() -> EmbeddedPostgresServer.start(tmp.resolve("pgdata"), 0))
          .as("a directory served by a live server is refused, not taken over")
          .isInstanceOf(IOException.class).hasMessageContaining("in use");
    } finally {
      server.close();
      server.close(); // idempotent
    }
  }

  @Test
  void refusesADataDirectoryThatZonkyWouldDeleteAsStale() {
    Path zonkyWorkDir = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg");
    assertThatThrownBy(() -> EmbeddedPostgresServer.start(zonkyWorkDir.resolve("docsync-data"), 0))
        .isInstanceOf(IOException.class).hasMessageContaining("would be deleted");
    assertThat(zonkyWorkDir.resolve("docsync-data")).doesNotExist();
  }

  @Test
  void recoversTheDirectoryOfASigkilledJvmWhosePostmasterIsOrphaned() throws Exception {
    Path dir = tmp.resolve("pgdata");
    Process child = startChild(dir, "survivor");
    try {
      awaitReady(child);
      long orphan = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
      assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).as("orphaned postmaster").contains(true);

      long t0 = System.nanoTime();
      try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dir, 0)) {
        System.out.printf("start over an orphaned postmaster %d ms%n", millisSince(t0));
        assertThat(queryOne(server.url(), "SELECT body FROM note")).isEqualTo("survivor");
        assertThat(Files.exists(Path.of("/proc/" + orphan + "/cwd"))).as("orphan stopped").isFalse();
      }
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void freshDatabaseUrlGivesANewEmptyDatabase() throws Exception {
    String a = TestDatabases.freshDatabaseUrl();
    String b = TestDatabases.freshDatabaseUrl();
    System.out.printf("external=%s %s %s%n", TestDatabases.external(), a, b);
    assertThat(TestDatabases.external()).isEqualTo(System.getenv("DOCSYNC_TEST_PG_URL") != null);
    assertThat(a).startsWith("postgresql://").contains("/docsync_test_").isNotEqualTo(b);

    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(a)).using(vertx).build();
      var rows = pool.query("SELECT 1 AS one, current_database() AS db,"
              + " (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') AS tables")
          .execute().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      var row = rows.iterator().next();
      assertThat(row.getInteger("one")).isEqualTo(1);
      assertThat(a).endsWith("/" + row.getString("db"));
      assertThat(row.getLong("tables")).isZero();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static Process startChild(Path dir, String row) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), // reuse the unpacked binaries
        OrphaningServerMain.class.getName(), dir.toString(), row)
        .redirectErrorStream(true)
        .start();
  }

  /** Echoes the child's output and returns once it printed READY. */
  private static void awaitReady(Process child) throws Exception {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
        for (String line; (line = r.readLine()) != null; ) {
          System.out.println("[child] " + line);
          if (line.equals("READY")) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        // the child was killed
      }
      ready.completeExceptionally(new IllegalStateException("child exited before READY"));
    }, "child-output");
    pump.setDaemon(true);
    pump.start();
    ready.get(30, TimeUnit.SECONDS);
  }

  private static void execute(String url, String... sqls) throws SQLException {
    try (Connection c = connect(url); Statement s = c.createStatement()) {
      for (String sql : sqls) {
        s.execute(sql);
      }
    }
  }

  private static String queryOne(String url, String sql) throws SQLException {
    try (Connection c = connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  private static long millisSince(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }
}
