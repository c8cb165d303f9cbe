package dev.docsync.testing;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Gives every database test its own empty database, on an external server or on a shared embedded one. */
public final class TestDatabases {

  private static final String ENV = "DOCSYNC_TEST_PG_URL";
  private static final String PREFIX = "docsync_test_";

  /** Embedded server of this JVM, started on first use; zonky's own shutdown hook stops and deletes it. */
  private static String embeddedAdminUrl;
  /** Databases created on the external server, dropped at JVM exit. */
  private static final List<String> created = new ArrayList<>();

  private TestDatabases() {}

  /**
   * A URL (postgresql://...) to a brand-new empty database. If env DOCSYNC_TEST_PG_URL is set (e.g.
   * postgresql://postgres@127.0.0.1:5432/test), the new database is created on that server (CREATE DATABASE
   * docsync_test_&lt;random&gt;); otherwise on one embedded PostgreSQL shared by the whole test JVM (started
   * lazily in a temp dir, fsync off for speed, stopped by a shutdown hook). Blocking.
   */
  public static synchronized String freshDatabaseUrl() {
    String admin = external() ? System.getenv(ENV) : embeddedAdminUrl();
    String name = PREFIX + UUID.randomUUID().toString().replace("-", "");
    execute(admin, "CREATE DATABASE " + name);
    if (external()) {
      rememberForDrop(admin, name);
    }
    return withDatabase(admin, name);
  }

  /** true when tests run against DOCSYNC_TEST_PG_URL. */
  public static boolean external() {
    String url = System.getenv(ENV);
    return url != null && !url.isBlank();
  }

  private static String embeddedAdminUrl() {
    if (embeddedAdminUrl == null) {
      try {
        // Inside zonky's working dir, whose sweep stops and deletes it 10 min after a SIGKILLed test JVM.
        Path zonkyDir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg"));
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
            .setDataDirectory(Files.createTempDirectory(zonkyDir, "docsync-test-"))
            .setServerConfig("listen_addresses", "127.0.0.1")
            .start(); // defaults: fsync off, directory deleted and server stopped by a shutdown hook
        embeddedAdminUrl = "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded test PostgreSQL", e);
      }
    }
    return embeddedAdminUrl;
  }

  private static void rememberForDrop(String admin, String name) {
    if (created.isEmpty()) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> dropAll(admin), "docsync-test-db-drop"));
    }
    created.add(name);
  }

  private static synchronized void dropAll(String admin) {
    for (String name : created) {
      try {
        execute(admin, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      } catch (RuntimeException e) {
        System.err.println("could not drop test database " + name + ": " + e);
      }
    }
  }

  private static void execute(String url, String sql) {
    PgConnectOptions o = PgConnectOptions.fromUri(url);
    String jdbc = "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    try (Connection c = DriverManager.getConnection(jdbc, o.getUser(), o.getPassword());
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + " failed on " + url, e);
    }
  }

  /** The same URL (user, password, host, port, parameters) naming another database. */
  private static String withDatabase(String url, String database) {
    try {
      URI u = new URI(url);
      return new URI(u.getScheme(), u.getRawUserInfo(), u.getHost(), u.getPort(), "/" + database,
          u.getRawQuery(), null).toString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad " + ENV + ": " + url, e);
    }
  }
}
