package dev.docsync.transport.bridge;

import dev.docsync.auth.TokenVerifier;
import dev.docsync.transport.ConnectionInfo;
import java.util.List;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * Event-bus clients outside the JVM: the SockJS bridge on the HTTP router and, when enabled, the
 * TCP bridge. Both share the permissions ({@link BridgePermissions}) and the per-socket clean-up
 * ({@link BridgeSessions}): a socket that closes gets CLOSE for the documents it OPENed and a
 * presence LEAVE for the participants it announced. Use on the HTTP server's context.
 */
public final class EventBusBridges {
  private final Vertx vertx;
  private final BridgeSettings settings;
  private final BridgeSessions sessions;
  private final ConnectionEvents events;
  private TcpBridge tcp;

  private final BridgeAuth auth;
  private final BridgeLimits limits;

  public EventBusBridges(Vertx vertx, BridgeSettings settings, TokenVerifier tokens, MeterRegistry metrics) {
    this.vertx = vertx;
    this.settings = settings;
    this.auth = new BridgeAuth(vertx, tokens, metrics.counter("docsync.auth.failures", "transport", "bridge"),
        metrics.counter("docsync.rejected.inputs", "reason", "INVALID_DOC_ID"));
    this.sessions = new BridgeSessions(vertx.eventBus());
    this.events = new ConnectionEvents(vertx.eventBus());
    this.limits = new BridgeLimits(vertx, settings.limits(), metrics);
  }

  /** Mounts the SockJS bridge at /eventbus (when enabled), before the HTTP server listens. */
  public void mountSockJs(Router router, long bodyLimit) {
    if (settings.sockJs()) {
      SockJsBridge.mount(vertx, router, settings.eventsOutbound(), bodyLimit, sessions, events, auth, limits);
    }
  }

  /** Starts the TCP bridge when enabled. */
  public Future<Void> startTcp() {
    if (!settings.tcp()) {
      return Future.succeededFuture();
    }
    return TcpBridge.start(vertx, settings, sessions, events, auth, limits).map(started -> {
      tcp = started;
      return null;
    });
  }

  /** This node's bridge sockets. On the HTTP server's context. */
  public List<ConnectionInfo> connections() {
    return sessions.connections();
  }

  /** The TCP bridge's port, or -1 when it is off. */
  public int tcpPort() {
    return tcp == null ? -1 : tcp.port();
  }

  public Future<Void> close() {
    Future<Void> tcpClosed = tcp == null ? Future.succeededFuture() : tcp.close();
    return tcpClosed.eventually(sessions::closeAll);
  }
}
