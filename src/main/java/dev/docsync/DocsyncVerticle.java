package dev.docsync;

import dev.docsync.auth.SigningKey;
import dev.docsync.auth.TokenVerifier;
import dev.docsync.chat.ChatService;
import dev.docsync.cluster.Membership;
import dev.docsync.store.ChatStore;
import dev.docsync.config.ConfigLoader;
import dev.docsync.config.DocsyncConfig;
import dev.docsync.cluster.Membership;
import dev.docsync.doc.DocumentService;
import dev.docsync.http.HttpApi;
import dev.docsync.limits.HttpConnectionGuard;
import dev.docsync.presence.PresenceService;
import dev.docsync.store.DocumentStore;
import dev.docsync.store.embedded.EmbeddedPostgresServer;
import dev.docsync.store.impl.PgChatStore;
import dev.docsync.store.impl.PgDocumentStore;
import dev.docsync.transport.ConnectionInfo;
import dev.docsync.transport.bridge.EventBusBridges;
import dev.docsync.transport.ws.SyncEndpoint;
import dev.docsync.metrics.MetricsRegistry;
import dev.docsync.peering.Upstreams;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The docsync service: configuration, database (external or embedded), the document worker and
 * the HTTP server, started in that order and stopped in reverse.
 */
public final class DocsyncVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DocsyncVerticle.class);

  private DocsyncConfig config;
  private EmbeddedPostgresServer embedded;
  private DocumentStore store;
  private HttpServer http;
  private SyncEndpoint webSocket;
  private DocumentService documents;
  private TokenVerifier tokens;
  private Upstreams upstreams;
  private String pgUrl;
  private SigningKey signingKey;
  private PresenceService presence;
  private ChatStore chatStore;
  private ChatService chat;
  private EventBusBridges bridges;
  private Membership membership;
  private Gauge membersGauge;
  private final PrometheusMeterRegistry metrics = MetricsRegistry.prometheus();

  public DocsyncVerticle() {
    this(null);
  }

  /** With the given view of the cluster (tests: several nodes on one event bus); null: this Vert.x's own. */
  public DocsyncVerticle(Membership membership) {
    this.membership = membership;
  }

  @Override
  public Future<?> start() {
    long t0 = System.nanoTime();
    return ConfigLoader.load(vertx, config())
        .compose(cfg -> {
          config = cfg;
          return joinedCluster();
        })
        .compose(v -> databaseUrl())
        .compose(url -> {
          pgUrl = url;
          return vertx.executeBlocking(() -> StartupBanner.signingKey(config));
        })
        .compose(key -> {
          tokens = TokenVerifier.create(vertx, config.auth(), key);
          signingKey = key;
          return PgDocumentStore.connect(vertx, pgUrl, config.pgPoolSize())
              .recover(e -> Future.failedFuture(new IllegalStateException("cannot use the database "
                  + StartupBanner.withoutPassword(pgUrl) + (embedded == null ? " (DOCSYNC_PG_URL)" : "") + ": " + e.getMessage(), e)));
        })
        .compose(s -> {
          store = s;
          return DocumentService.start(vertx, store, config.ownership(), config.owner(), config.automergeThreads(),
              config.maxPayloadBytes(), membership, metrics);
        })
        .compose(started -> {
          documents = started;
          return startLiveServices().compose(v -> SyncEndpoint.create(vertx, store, config.ws(), tokens, metrics,
              documents.router()));
        })
        .compose(endpoint -> {
          webSocket = endpoint;
          return bridges.startTcp()
              .recover(e -> Future.failedFuture(PortInUse.explain(e, "TCP bridge", config.bridge().tcpHost(),
                  config.bridge().tcpPort(), "DOCSYNC_BRIDGE_TCP_PORT")));
        })
        .compose(v -> Upstreams.start(vertx, store, config.upstreams(), documents.router()))
        .compose(started -> {
          upstreams = started;
          // Last: no request reaches the node before everything it needs is up.
          return listen();
        })
        .onSuccess(server -> {
          http = server;
          new StartupBanner(config, embedded, pgUrl, signingKey, bridges.tcpPort(), membership)
              .log(server.actualPort(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        })
        .recover(failure -> stop().transform(stopped -> Future.failedFuture(failure)));
  }

  private Future<HttpServer> listen() {
    Router router = HttpApi.router(vertx, store, config.maxPayloadBytes(), metrics, tokens, config.httpTrustForwarded(),
              config.metricsPublic(), this::connections, membership, documents.router());
    router.get(SyncEndpoint.PATH).handler(webSocket::handle);
    bridges.mountSockJs(router, 2L * config.maxPayloadBytes());
    // Slow-header clients and connections per address are refused from accept, before the router sees anything.
    return HttpConnectionGuard.install(vertx, vertx.createHttpServer(httpOptions()), router, config.ws().limits().sockets(),
            config.httpTrustForwarded(), metrics)
        .listen(config.httpPort(), config.httpHost())
        .recover(e -> Future.failedFuture(PortInUse.explain(e, "HTTP", config.httpHost(), config.httpPort(), "DOCSYNC_HTTP_PORT")));
  }

  /**
   * Who is in the cluster, once per start: Hazelcast's members when this Vert.x is clustered (the launcher clusters it
   * with DOCSYNC_CLUSTER_ENABLED), else this node alone. A cluster node must share its database and token keys.
   */
  private Future<Void> joinedCluster() {
    if (config.cluster().enabled() && !vertx.isClustered()) {
      return Future.failedFuture(new IllegalStateException("DOCSYNC_CLUSTER_ENABLED is true but this Vert.x is not "
          + "clustered: build it with dev.docsync.cluster.DocsyncCluster (the jar does)"));
    }
    try {
      if (vertx.isClustered()) {
        config.requireClusterable();
      }
      if (membership == null) {
        membership = Membership.of(vertx);
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (!membership.documentOwners().contains(membership.nodeId())) {
      return Future.failedFuture(new IllegalStateException("this Vert.x joined its cluster as a member that owns no "
          + "documents (no Hazelcast attribute docsync.role=owner): build it with dev.docsync.cluster.DocsyncCluster, Role.OWNER"));
    }
    membersGauge = Gauge.builder("docsync.cluster.members", membership, m -> m.members().size())
        .description("Members of the cluster this node sees (1 when it runs alone)").register(metrics);
    return Future.succeededFuture();
  }

  /** Presence and chat (event-bus services) and the event-bus bridges that let clients outside the JVM use them. */
  private Future<Void> startLiveServices() {
    bridges = new EventBusBridges(vertx, config.bridge(), tokens, metrics);
    return PresenceService.start(vertx, config.presence(), metrics, membership)
        .compose(p -> {
          presence = p;
          return PgChatStore.connect(vertx, pgUrl, 2);
        })
        .compose(cs -> {
          chatStore = cs;
          return ChatService.start(vertx, chatStore, config.chat());
        })
        .map(c -> {
          chat = c;
          return null;
        });
  }

  private Future<Void> stopLiveServices() {
    return (bridges == null ? Future.<Void>succeededFuture() : bridges.close())
        .eventually(() -> presence == null ? Future.succeededFuture() : presence.close())
        .eventually(() -> chat == null ? Future.succeededFuture() : chat.close())
        .eventually(() -> chatStore == null ? Future.succeededFuture() : chatStore.close());
  }

  /** This node's client connections, for operators. */
  private List<ConnectionInfo> connections() {
    List<ConnectionInfo> all = new java.util.ArrayList<>(webSocket.connections());
    all.addAll(bridges.connections());
    return all;
  }

  /** The event-bus bridges (TCP port when enabled). */
  public EventBusBridges bridges() {
    return bridges;
  }

  /** This node's documents: their shards, router, memory. */
  public DocumentService documents() {
    return documents;
  }

  /** The cluster as this node sees it (a node alone when not clustered); null before start. */
  public Membership membership() {
    return membership;
  }

  /** The port actually bound (useful when configured as 0). */
  public int httpPort() {
    return http.actualPort();
  }

  private Future<String> databaseUrl() {
    if (!config.embeddedDatabase()) {
      return Future.succeededFuture(config.pgUrl());
    }
    return vertx.executeBlocking(() -> {
      embedded = startEmbedded();
      return embedded.url();
    });
  }

  /**
   * initdb wants an empty directory: a development key written while docsync ran on another database waits
   * beside it while the cluster is created.
   */
  private EmbeddedPostgresServer startEmbedded() throws java.io.IOException {
    Path key = SigningKey.fileIn(config.dataDir());
    boolean setAside = Files.exists(key) && !Files.exists(key.resolveSibling("PG_VERSION"));
    Path aside = key.resolveSibling("../" + key.getFileName() + ".initdb").normalize();
    if (setAside) {
      Files.move(key, aside);
    }
    try {
      return EmbeddedPostgresServer.start(config.dataDir(), config.embeddedPgPort());
    } finally {
      if (setAside) {
        Files.move(aside, key);
      }
    }
  }

  private HttpServerOptions httpOptions() {
    // base64 and JSON framing around a payload; above the /sync limit, so that /sync can answer oversize messages itself
    int limit = Math.max(config.maxPayloadBytes() * 2, config.ws().maxMessageBytes() + 1);
    return new HttpServerOptions().setMaxWebSocketFrameSize(limit).setMaxWebSocketMessageSize(limit)
        .setPerMessageWebSocketCompressionSupported(config.ws().deflate())
        .setWebSocketClosingTimeout(2) // seconds a closed socket waits for the peer's close frame (10 for dead peers otherwise)
        // nothing read or written this long: closed (WebSocket pings keep live sockets busy); 0 is Vert.x's "never"
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.ws().limits().sockets().httpIdleTimeoutMs()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        // Everything touching a connection runs on its event loop: no cross-thread write queue (1,024 slots) per
        // HTTP connection; Vert.x gives upgraded WebSockets one regardless, replaced by DirectWrites (IdleConnectionHeapTest)
        .setStrictThreadMode(true)
        // No h2c: sniffing for its preface hides a connection from the connection handler (per-address count,
        // request-head deadline) until 24 bytes have come, which a slow-header client never sends.
        .setHttp2ClearTextEnabled(false);
  }

  /**
   * One step of stopping, bounded: a step that fails or does not finish within the shutdown timeout (plus 5 s) is logged
   * and the stop goes on, so a stopping node always ends (a teardown once waited forever after "docsync stopping").
   */
  private Future<Void> stopStep(String name, Supplier<Future<?>> step) {
    Future<?> running;
    try {
      running = step.get();
    } catch (RuntimeException e) {
      running = Future.failedFuture(e);
    }
    if (running == null) {
      return Future.succeededFuture();
    }
    return running.timeout(config.owner().shutdownTimeoutMs() + 5_000, TimeUnit.MILLISECONDS).<Void>mapEmpty()
        .recover(e -> {
          LOG.warn("docsync stopping: {} did not stop cleanly ({}); going on", name, e.toString());
          return Future.succeededFuture();
        });
  }

  /** The membership stops following the cluster; Vert.x itself leaves it when it closes (after this verticle). */
  private void leftCluster() {
    if (membersGauge != null) {
      metrics.remove(membersGauge);
    }
    if (membership != null) {
      membership.close();
    }
  }

  @Override
  public Future<?> stop() {
    if (http != null) {
      LOG.info("docsync stopping: closing connections, finishing queued work, storing sync states");
    }
    // Vert.x undeploys the document shards (deployed from here: children of this verticle) before this runs: they
    // have drained, stored every peer's sync state, told their peers the documents moved and released the leases.
    // Upstream links and WebSocket peers then say goodbye; in a cluster their requests go to the other nodes.
    Future<Void> upstreamsStopped = stopStep("upstream links", () -> upstreams == null ? null : upstreams.stop());
    Future<Void> wsClosed = upstreamsStopped.compose(v -> stopStep("WebSocket peers", () -> webSocket == null ? null : webSocket.close()));
    // Requests under way are answered (by the other nodes of a cluster) before the server closes.
    Future<Void> httpClosed = wsClosed.compose(v -> stopStep("HTTP server", () -> http == null ? null
        : http.shutdown(config.owner().shutdownTimeoutMs(), TimeUnit.MILLISECONDS)));
    // The store closes after the documents' addresses (DocumentService.stop: shards already gone, addresses closed).
    return httpClosed
        .compose(v -> stopStep("bridges, presence and chat", this::stopLiveServices))
        .compose(v -> stopStep("document addresses", () -> documents == null ? null : documents.stop()))
        .compose(v -> stopStep("database pool", () -> store == null ? null : store.close()))
        .compose(v -> stopStep("embedded PostgreSQL", () -> embedded == null ? null : vertx.executeBlocking(() -> {
          embedded.close();
          return null;
        })))
        .onComplete(ar -> {
          leftCluster();
          if (http != null) {
            LOG.info("docsync stopped");
          }
        });
  }
}
