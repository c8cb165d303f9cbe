package dev.docsync;

import dev.docsync.auth.SigningKey;
import dev.docsync.cluster.ClusterSettings;
import dev.docsync.cluster.Membership;
import dev.docsync.config.DocsyncConfig;
import dev.docsync.http.WebApp;
import dev.docsync.store.embedded.EmbeddedPostgresServer;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a person needs after a start: where to connect, which database, how clients authenticate and get a token. */
final class StartupBanner {
  private static final Logger LOG = LoggerFactory.getLogger(DocsyncVerticle.class);

  private final DocsyncConfig config;
  private final EmbeddedPostgresServer embedded;
  private final String pgUrl;
  private final SigningKey key;
  private final int tcpPort;
  private final Membership membership;

  StartupBanner(DocsyncConfig config, EmbeddedPostgresServer embedded, String pgUrl, SigningKey key, int tcpPort,
                Membership membership) {
    this.membership = membership;
    this.config = config;
    this.embedded = embedded;
    this.pgUrl = pgUrl;
    this.key = key;
    this.tcpPort = tcpPort;
  }

  /** The HS256 key tokens are verified with: the configured secret, the development key, or null. Blocking. */
  static SigningKey signingKey(DocsyncConfig config) throws IOException {
    if (!config.auth().enabled()) {
      return null;
    }
    if (config.auth().hmacSecret() != null) {
      return SigningKey.configured(config.auth().hmacSecret());
    }
    return config.auth().needsDevelopmentKey() ? SigningKey.developmentKey(config.dataDir()) : null;
  }

  void log(int httpPort, long startMs) {
    String host = config.httpHost().equals("0.0.0.0") || config.httpHost().equals("::") ? "localhost" : config.httpHost();
    String http = "http://" + host + ":" + httpPort;
    LOG.info("docsync {} ready in {} ms", version(), startMs);
    LOG.info("  HTTP        {}  (REST {}/api/docs/<docId>, {}/health, {}/metrics), bound to {}", http, http, http, http, config.httpHost());
    LOG.info("  WebSocket   ws://{}:{}/sync  (automerge-repo clients)", host, httpPort);
    LOG.info("  Bridges     SockJS {}  TCP {}", config.bridge().sockJs() ? http + "/eventbus" : "off",
        tcpPort > 0 ? config.bridge().tcpHost() + ":" + tcpPort : "off");
    LOG.info("  Database    {}", database());
    LOG.info("  Cluster     {}", cluster());
    LOG.info("  Web app     {}", WebApp.link(http, config.auth().enabled() ? key : null));
    logAuth();
  }

  private String cluster() {
    if (!membership.clustered()) {
      return "off: this node owns every document (DOCSYNC_CLUSTER_ENABLED=false)";
    }
    ClusterSettings cluster = config.cluster();
    String live = membership.members().size() + " up, " + membership.documentOwners().size() + " owning documents";
    if (!cluster.enabled()) {
      return "joined by the application's Vert.x (node " + membership.nodeId() + "): " + live;
    }
    return "'" + cluster.name() + "', this node " + cluster.address() + " (node " + membership.nodeId() + "), members "
        + String.join(",", cluster.members()) + ": " + live;
  }

  private String database() {
    if (embedded != null) {
      return "embedded PostgreSQL in " + config.dataDir().toAbsolutePath().normalize() + " (127.0.0.1:" + embedded.port() + ")";
    }
    return withoutPassword(pgUrl);
  }

  /** A PostgreSQL URL fit for a log line. */
  static String withoutPassword(String pgUrl) {
    try {
      PgConnectOptions options = PgConnectOptions.fromUri(pgUrl);
      return "postgresql://" + options.getUser() + "@" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
    } catch (RuntimeException unparsable) {
      return "(DOCSYNC_PG_URL, unparsable)";
    }
  }

  private void logAuth() {
    if (!config.auth().enabled()) {
      LOG.warn("  Auth        OFF: anyone who can reach this node reads and writes every document (DOCSYNC_AUTH_ENABLED=false)");
      return;
    }
    String keys = key == null ? "public key (" + config.auth().algorithm() + ")"
        : key.development() ? "development key " + key.file() + (key.created() ? " (generated now)" : "")
        : "DOCSYNC_JWT_SECRET" + (config.auth().publicKeyPem() == null ? "" : " and public key");
    LOG.info("  Auth        on: every client needs a token (JWT), verified with the {}", keys);
    if (key != null && key.development()) {
      LOG.warn("  This is a DEVELOPMENT key, generated on this machine: fine for trying docsync, not for production. Set "
          + "DOCSYNC_JWT_SECRET (32+ random bytes, e.g. openssl rand -base64 32) or DOCSYNC_JWT_PUBLIC_KEY for real use.");
    }
    if (key != null) {
      LOG.info("  Get a token {} token --sub $USER --read '*' --write '*' --ttl 8h{}", command(),
          key.development() ? dataDirHint() : "  (with the same DOCSYNC_JWT_SECRET)");
    }
  }

  /** The token command must find the same data directory. */
  private String dataDirHint() {
    return config.dataDir().equals(Path.of("./data")) ? "" : "  (with the same DOCSYNC_DATA_DIR)";
  }

  /** How this process was started: "java -jar target/docsync.jar" when run from the jar. */
  static String command() {
    try {
      Path jar = Path.of(StartupBanner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (jar.toString().endsWith(".jar")) {
        Path cwd = Path.of("").toAbsolutePath();
        return "java -jar " + (jar.startsWith(cwd) ? cwd.relativize(jar) : jar);
      }
    } catch (Exception ignored) {
      // Not from a jar (tests, IDE): the generic form below.
    }
    return "java -jar docsync.jar";
  }

  static String version() {
    String version = StartupBanner.class.getPackage().getImplementationVersion();
    return version == null ? "(development build)" : version;
  }
}
