package dev.docsync.store.embedded;

import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Run in a child JVM by {@link EmbeddedPostgresServerTest}: starts the server on args[0], writes the row
 * args[1], prints READY and sleeps until it is SIGKILLed, which orphans the postmaster.
 */
public final class OrphaningServerMain {

  public static void main(String[] args) throws Exception {
    EmbeddedPostgresServer server = EmbeddedPostgresServer.start(Path.of(args[0]), 0);
    try (Connection c = connect(server.url()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS note (body text)");
      s.execute("INSERT INTO note VALUES ('" + args[1] + "')");
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** JDBC connection to a postgresql:// URL, parsed by Vert.x as the service parses it. */
  static Connection connect(String url) throws SQLException {
    PgConnectOptions o = PgConnectOptions.fromUri(url);
    return DriverManager.getConnection(
        "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase(), o.getUser(), o.getPassword());
  }
}
