package dev.docsync.transport.ws;

import dev.docsync.doc.DocumentRouter;
import dev.docsync.protocol.Addresses;
import dev.docsync.limits.LogThrottle;
import dev.docsync.transport.ConnectionInfo;
import dev.docsync.auth.ExpiryTimer;
import dev.docsync.auth.Grant;
import dev.docsync.auth.TokenVerifier;
import dev.docsync.auth.Verification;
import dev.docsync.limits.BoundedCount;
import dev.docsync.limits.ByteBudget;
import dev.docsync.limits.ConnectionLimits;
import dev.docsync.limits.Limit;
import dev.docsync.limits.LimitMeters;
import dev.docsync.limits.Slot;
import dev.docsync.limits.SocketLimits;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import dev.docsync.store.DocumentStore;
import dev.docsync.store.ServerIdentity;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ws://HOST:PORT/sync}: automerge-repo clients (WebSocketClientAdapter) sync their documents
 * with docsync over the automerge-repo network protocol v1. Each socket is a {@link WsConnection};
 * the server's peerId and storageId are the store's stable identity.
 *
 * <p>Also answers {@link #STATS_ADDRESS} on the event bus with counters and per-connection traffic,
 * and publishes {@code ws.connection.closed} on {@link Addresses#EVENTS}. Must be created and
 * used on the event loop of the HTTP server it is mounted on.
 */
public final class SyncEndpoint {
  public static final String PATH = "/sync";
  public static final String STATS_ADDRESS = "docsync.ws.stats";
  static final String JOINED_ADDRESS = "docsync.ws.joined";
  private static final Logger LOG = LoggerFactory.getLogger(SyncEndpoint.class);

  private final Vertx vertx;
  private final ServerIdentity identity;
  private final WsSettings settings;
  private final WsCodec codec = new WsCodec();
  private final WsCounters counters = new WsCounters();
  private final CorePeers core;
  private final Set<WsConnection> live = new LinkedHashSet<>();
  private final LogThrottle refusalLog = new LogThrottle(10);
  /** Closes each connection when its token expires. */
  private final Map<WsConnection, ExpiryTimer> expiries = new HashMap<>();
  private MessageConsumer<Object> statsConsumer;
  /**
   * Joins announced by every node, on one consumer for all sockets (one per socket held ~0.5 KB each):
   * an older socket of the same peer closes itself (see WsConnection#replacedBy).
   */
  private MessageConsumer<JsonObject> joinedConsumer;
  private MessageConsumer<JsonObject> loadedConsumer;
  /** The peers of each document on this node, to greet its new owner when it moves. */
  private final Map<String, Set<PeerDocuments>> peersOf = new HashMap<>();
  /** This node's joined sockets by their client's peerId. */
  private final Map<String, List<WsConnection>> byPeer = new HashMap<>();
  private final TokenVerifier tokens;
  private final Counter authFailures;
  private final LimitMeters limitMeters;
  /** Open connections per remote address, shared with the bridges. */
  private final ConnectionLimits connections;
  /** Sockets (and upgrade requests) not yet joined. */
  private final BoundedCount pending;
  /** Bytes of fragmented messages not yet finished, and bytes written to sockets not yet read by their clients. */
  private final ByteBudget unfinishedBytes;
  private final ByteBudget outboundBytes;

  private SyncEndpoint(Vertx vertx, ServerIdentity identity, WsSettings settings, TokenVerifier tokens, MeterRegistry metrics,
                       DocumentRouter router) {
    this.vertx = vertx;
    this.identity = identity;
    this.settings = settings;
    this.tokens = tokens;
    this.authFailures = metrics.counter("docsync.auth.failures", "transport", "ws");
    this.core = new CorePeers(router);
    Gauge.builder("docsync.ws.connections", live, Set::size).register(metrics);
    this.limitMeters = new LimitMeters(metrics, "ws");
    this.connections = ConnectionLimits.of(vertx, settings.limits());
    this.pending = new BoundedCount(settings.limits().pendingConnections());
    Gauge.builder("docsync.ws.pending", pending, BoundedCount::count)
        .description("WebSockets not yet joined").register(metrics);
    SocketLimits sockets = settings.limits().sockets();
    this.unfinishedBytes = ByteBudget.of(vertx, "ws-unfinished", sockets.unfinishedBytesPerIp(), sockets.unfinishedBytes());
    this.outboundBytes = ByteBudget.of(vertx, "ws-outbound", 0, sockets.outboundNodeMaxBytes());
    Gauge.builder("docsync.ws.unfinished.bytes", unfinishedBytes, ByteBudget::held)
        .description("Bytes of fragmented WebSocket messages not yet finished").register(metrics);
    Gauge.builder("docsync.ws.outbound.bytes", outboundBytes, ByteBudget::held)
        .description("Bytes written to WebSockets and not yet taken by their clients").register(metrics);
  }

  /** Reads the server identity, then is ready to accept sockets. */
  public static Future<SyncEndpoint> create(Vertx vertx, DocumentStore store, WsSettings settings, TokenVerifier tokens,
                                            MeterRegistry metrics, DocumentRouter router) {
    return store.identity().compose(identity -> {
      SyncEndpoint endpoint = new SyncEndpoint(vertx, identity, settings, tokens, metrics, router);
      endpoint.statsConsumer = vertx.eventBus().localConsumer(STATS_ADDRESS, m -> m.reply(endpoint.stats()));
      endpoint.joinedConsumer = vertx.eventBus().consumer(JOINED_ADDRESS, m -> endpoint.someoneJoined(m.body()));
      endpoint.loadedConsumer = vertx.eventBus().consumer(Addresses.EVENTS, m -> endpoint.onServerEvent(m.body()));
      return Future.all(endpoint.statsConsumer.completion(), endpoint.joinedConsumer.completion(),
          endpoint.loadedConsumer.completion()).map(endpoint);
    });
  }

  /** Route handler for {@link #PATH}: upgrades the request to a WebSocket. */
  public void handle(RoutingContext ctx) {
    if (!ctx.request().canUpgradeToWebSocket()) {
      ctx.response().setStatusCode(426).putHeader("Upgrade", "websocket")
          .end("automerge-repo peers connect here with a WebSocket (ws://host:port" + PATH + ")");
      return;
    }
    String address = ConnectionLimits.addressOf(ctx.request().remoteAddress());
    Slot addressSlot = connections.tryOpen(address);
    if (addressSlot == null) {
      refuse(ctx, Limit.CONNECTIONS_PER_IP, "more than " + connections.limit() + " connections from " + address, (short) 1008);
      return;
    }
    Slot pendingSlot = pending.tryAcquire();
    if (pendingSlot == null) {
      addressSlot.release();
      refuse(ctx, Limit.PENDING_CONNECTIONS, "more than " + pending.limit() + " connections waiting to join; try again later",
          (short) 1013);
      return;
    }
    // Verified before anything is read: without a valid token the socket only learns why, then closes.
    Verification.of(tokens, ctx.request()).onComplete(verified -> upgrade(ctx, verified, address, addressSlot, pendingSlot));
  }

  /** Every way this ends gives both slots back, unless a connection takes them over (and gives them back on close). */
  private void upgrade(RoutingContext ctx, AsyncResult<Grant> verified, String address, Slot addressSlot, Slot pendingSlot) {
    Future<ServerWebSocket> upgraded;
    try {
      upgraded = ctx.request().toWebSocket();
    } catch (RuntimeException e) {
      upgraded = Future.failedFuture(e);
    }
    upgraded
        .onSuccess(socket -> {
          if (verified.succeeded()) {
            accept(socket, ctx.request().connection(), verified.result(), address, addressSlot, pendingSlot);
          } else {
            addressSlot.release();
            pendingSlot.release();
            refuse(socket, verified.cause());
          }
        })
        .onFailure(e -> {
          addressSlot.release();
          pendingSlot.release();
          logRefusal("upgrade-failed", "WebSocket upgrade from " + ctx.request().remoteAddress() + " failed: " + e);
        });
  }

  /** A limit refuses the connection: as for a bad token, the client learns why in an error message, then the close. */
  private void refuse(RoutingContext ctx, Limit limit, String detail, short closeCode) {
    exceeded(limit);
    logRefusal(limit.name(), "WebSocket from " + ctx.request().remoteAddress() + " refused: " + detail);
    ctx.request().toWebSocket().onSuccess(socket -> socket
        .writeBinaryMessage(Buffer.buffer(codec.encode(new WsMessage.Error(identity.peerId(), null, limit.message(detail)))))
        .eventually(() -> socket.close(closeCode, limit.code().name())));
  }

  /** A limit was hit: counted in docsync.limits.exceeded and in the endpoint's rejected counts. */
  void exceeded(Limit limit) {
    limitMeters.exceeded(limit);
    counters.rejected(limit.name());
  }

  /** Browsers cannot read an HTTP 401 on a WebSocket upgrade: an error message and close code 1008 say it instead. */
  private void refuse(ServerWebSocket socket, Throwable cause) {
    authFailed();
    counters.rejected(ErrorCode.UNAUTHENTICATED.name());
    logRefusal("token", "WebSocket from " + socket.remoteAddress() + " refused: " + cause.getMessage());
    String reason = DocsyncException.from(cause).wireMessage();
    socket.writeBinaryMessage(Buffer.buffer(codec.encode(new WsMessage.Error(identity.peerId(), null, reason))))
        .eventually(() -> socket.close((short) 1008, "UNAUTHENTICATED"));
  }

  void authFailed() {
    authFailures.increment();
  }

  private void accept(ServerWebSocket socket, HttpConnection tcp, Grant grant, String address, Slot addressSlot, Slot pendingSlot) {
    DirectWrites.apply(socket);
    WsConnection connection = new WsConnection(this, socket, tcp, grant, address, addressSlot, pendingSlot);
    live.add(connection);
    counters.connected();
    connection.start();
    expiries.put(connection, ExpiryTimer.start(vertx, grant, () -> expired(socket)));
  }

  /** The token ran out: the client is told why and the socket closed (1008), so that it reconnects with a fresh one. */
  private void expired(ServerWebSocket socket) {
    authFailed();
    counters.rejected(ErrorCode.UNAUTHENTICATED.name());
    LOG.info("WebSocket from {} closed: its token expired", socket.remoteAddress());
    socket.writeBinaryMessage(Buffer.buffer(codec.encode(new WsMessage.Error(identity.peerId(), null,
            Verification.expired().wireMessage() + ": reconnect with a fresh token"))))
        .eventually(() -> socket.close((short) 1008, "token expired"));
  }

  /** Announces a join to every node (its own socket ignores it), then finds the socket by its peerId. */
  void joined(WsConnection connection, String peerId, JsonObject announcement) {
    vertx.eventBus().publish(JOINED_ADDRESS, announcement.copy().put("peerId", peerId));
    byPeer.computeIfAbsent(peerId, k -> new ArrayList<>(1)).add(connection);
  }

  private void someoneJoined(JsonObject joined) {
    List<WsConnection> same = byPeer.get(joined.getString("peerId"));
    if (same != null) {
      List.copyOf(same).forEach(c -> c.replacedBy(joined));
    }
  }

  /** A document loaded on any node: its peers here that another owner had greeted greet the new one. */
  private void onServerEvent(Object body) {
    if (body instanceof JsonObject event && "document.loaded".equals(event.getString("event")) && event.getString("node") != null) {
      Set<PeerDocuments> peers = peersOf.get(event.getString("docId"));
      if (peers != null) {
        List.copyOf(peers).forEach(p -> p.loadedOn(event.getString("docId"), event.getString("node")));
      }
    }
  }

  void linked(String docId, PeerDocuments peer) {
    peersOf.computeIfAbsent(docId, k -> new HashSet<>()).add(peer);
  }

  void unlinked(String docId, PeerDocuments peer) {
    Set<PeerDocuments> peers = peersOf.get(docId);
    if (peers != null && peers.remove(peer) && peers.isEmpty()) {
      peersOf.remove(docId);
    }
  }

  void closed(WsConnection connection) {
    ExpiryTimer expiry = expiries.remove(connection);
    if (expiry != null) {
      expiry.cancel();
    }
    live.remove(connection);
    List<WsConnection> same = connection.peerId() == null ? null : byPeer.get(connection.peerId());
    if (same != null && same.remove(connection) && same.isEmpty()) {
      byPeer.remove(connection.peerId());
    }
    vertx.eventBus().publish(Addresses.EVENTS, connection.stats().put("event", "ws.connection.closed"));
  }

  /** This node's WebSocket connections, for operators. */
  public List<ConnectionInfo> connections() {
    return live.stream().map(WsConnection::info).toList();
  }

  /** Clients can cause refusals at will: at most a few lines a minute per kind (the counters see every one). */
  private void logRefusal(String kind, String line) {
    String held = refusalLog.admit(kind);
    if (held != null) {
      LOG.info("{}{}", line, held);
    }
  }

  /** A connection closed for a limit, logged within the same bounds. */
  void logClosing(String kind, String line) {
    logRefusal("closing-" + kind, line + ": closing");
  }

  /** Counters and the traffic of every open connection. */
  public JsonObject stats() {
    JsonArray connections = new JsonArray();
    live.forEach(c -> connections.add(c.stats()));
    return counters.toJson().put("connections", connections);
  }

  public WsCounters counters() {
    return counters;
  }

  /** Closes every socket after saying BYE for its documents, so the core keeps their sync states. */
  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    for (WsConnection connection : List.copyOf(live)) {
      closing.add(connection.shutdown());
    }
    return Future.join(closing).eventually(() -> Future.join(statsConsumer.unregister(), joinedConsumer.unregister(),
        loadedConsumer.unregister())).mapEmpty();
  }

  Vertx vertx() {
    return vertx;
  }

  ServerIdentity identity() {
    return identity;
  }

  WsSettings settings() {
    return settings;
  }

  WsCodec codec() {
    return codec;
  }

  ByteBudget unfinishedBytes() {
    return unfinishedBytes;
  }

  ByteBudget outboundBytes() {
    return outboundBytes;
  }

  LimitMeters limitMeters() {
    return limitMeters;
  }

  CorePeers core() {
    return core;
  }
}
