package dev.docsync.transport.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge (frames: 4-byte big-endian length + UTF-8 JSON) with the same permissions
 * as the SockJS bridge. The real bridge listens on loopback only, behind {@link TcpFrameGuard}.
 */
final class TcpBridge {
  private static final Logger LOG = LoggerFactory.getLogger(TcpBridge.class);
  private final TcpEventBusBridge inner;
  private final NetServer front;

  private TcpBridge(TcpEventBusBridge inner, NetServer front) {
    this.inner = inner;
    this.front = front;
  }

  static Future<TcpBridge> start(Vertx vertx, BridgeSettings settings, BridgeSessions sessions, ConnectionEvents events,
                                 BridgeAuth auth, BridgeLimits limits) {
    BridgeOptions options = BridgePermissions.apply(new BridgeOptions(), settings.eventsOutbound());
    TcpEventBusBridge inner = TcpEventBusBridge.create(vertx, options, new NetServerOptions(),
        e -> onEvent(sessions, auth, limits, e));
    return vertx.executeBlocking(TcpBridge::freeLoopbackPort)
        .compose(port -> inner.listen(port, "127.0.0.1").map(port))
        .compose(port -> TcpFrameGuard.listen(vertx, settings.tcpHost(), settings.tcpPort(), port,
            settings.tcpMaxFrameBytes(), events, limits))
        .map(front -> new TcpBridge(inner, front));
  }

  int port() {
    return front.actualPort();
  }

  Future<Void> close() {
    return front.close().eventually(inner::close);
  }

  /** Nothing thrown here may reach the bridge: its parser would lose its place in the socket's stream for good. */
  private static void onEvent(BridgeSessions sessions, BridgeAuth auth, BridgeLimits limits, BridgeEvent event) {
    try {
      handle(sessions, auth, limits, event);
    } catch (RuntimeException e) {
      LOG.warn("TCP bridge frame refused: the hook failed on it: {}", e.toString());
      event.tryComplete(false);
    }
  }

  /**
   * The bridge reports no socket events: a socket's state starts with its first message and ends with
   * its close. It also ignores the {@code match} of permissions, so the request types are checked here.
   */
  private static void handle(BridgeSessions sessions, BridgeAuth auth, BridgeLimits limits, BridgeEvent event) {
    NetSocket socket = event.socket();
    if (!sessions.has(socket)) {
      sessions.opened(socket, ConnectionEvents.TCP, socket.remoteAddress()).onExpiry = () -> socket.write(frame(BridgeAuth.expiredFrame(ConnectionEvents.TCP))).eventually(socket::close);
      socket.closeHandler(v -> sessions.close(socket));
    }
    JsonObject raw = event.getRawMessage();
    BridgeLimits.Refusal overRate = limits.rate(sessions.session(socket), event.type(), raw, ConnectionEvents.TCP);
    if (overRate != null) {
      refuse(event, overRate);
      return;
    }
    if (event.type() == BridgeEventType.SEND && TcpFrames.REFUSED.equals(raw.getValue("address"))) {
      refuse(event, limits.malformed(raw, ConnectionEvents.TCP)); // the guard's stand-in for a frame the bridge would choke on
      return;
    }
    boolean inbound = event.type() == BridgeEventType.SEND || event.type() == BridgeEventType.PUBLISH;
    if (inbound && !BridgePermissions.wellFormed(raw)) {
      limits.malformed(ConnectionEvents.TCP);
      event.complete(false);
      return;
    }
    BridgeLimits.Refusal badType = inbound ? limits.requestType(raw, ConnectionEvents.TCP) : null;
    if (badType != null) {
      refuse(event, badType); // the bridge applies no type matches itself
      return;
    }
    BridgeSession session = sessions.session(socket);
    auth.permits(session, event.type(), raw).onComplete(ar -> {
      if (ar.failed()) {
        refuse(event, new BridgeLimits.Refusal(BridgeAuth.refusal(raw, ar.cause(), ConnectionEvents.TCP), false));
        return;
      }
      boolean allowed = ar.result();
      if (allowed && inbound) {
        BridgeLimits.Refusal tooMany = limits.documents(session, raw, ConnectionEvents.TCP);
        if (tooMany != null) {
          refuse(event, tooMany);
          return;
        }
        session.sent(raw);
        session.stamp(raw);
      }
      event.complete(allowed);
    });
  }

  /**
   * Not processed: the client gets our err frame (written whole between the bridge's own frames, on its
   * event loop), then the bridge's "blocked by bridgeEvent handler"; a flooding socket is closed (the
   * guard then closes the client's side).
   */
  private static void refuse(BridgeEvent event, BridgeLimits.Refusal refusal) {
    if (refusal.frame() != null) {
      event.socket().write(frame(refusal.frame()));
    }
    event.complete(false);
    if (refusal.close()) {
      event.socket().close();
    }
  }

  /** 4-byte big-endian length, then the UTF-8 JSON. */
  static Buffer frame(JsonObject json) {
    byte[] bytes = json.encode().getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(bytes.length + 4).appendInt(bytes.length).appendBytes(bytes);
  }

  /** TcpEventBusBridge cannot tell the port it bound, so it gets one chosen here (loopback only, so no one else races for it). */
  private static int freeLoopbackPort() {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
