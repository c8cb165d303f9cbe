package dev.docsync.transport.bridge;

import dev.docsync.limits.Slot;
import io.vertx.core.Vertx;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SockJS event-bus bridge at {@value #PATH}, for {@code @vertx/eventbus-bridge-client.js} in
 * browsers and Node. Frame and message limits are the HTTP server's WebSocket limits; connections per
 * address, message rate and documents per socket are {@link BridgeLimits}.
 */
final class SockJsBridge {
  private static final Logger LOG = LoggerFactory.getLogger(SockJsBridge.class);
  static final String PATH = "/eventbus";

  private final BridgeSessions sessions;
  private final ConnectionEvents events;
  private final BridgeAuth auth;
  private final BridgeLimits limits;

  private SockJsBridge(BridgeSessions sessions, ConnectionEvents events, BridgeAuth auth, BridgeLimits limits) {
    this.sessions = sessions;
    this.events = events;
    this.auth = auth;
    this.limits = limits;
  }

  static void mount(Vertx vertx, Router router, boolean eventsOutbound, long bodyLimit, BridgeSessions sessions,
      ConnectionEvents events, BridgeAuth auth, BridgeLimits limits) {
    SockJsBridge bridge = new SockJsBridge(sessions, events, auth, limits);
    SockJSBridgeOptions options = BridgePermissions.apply(new SockJSBridgeOptions(), eventsOutbound);
    Router sockJs = SockJSHandler.create(vertx, new SockJSHandlerOptions()).bridge(options, bridge::onEvent);
    // The XHR fallback transports POST their frames: they need the body read (the WebSocket transport does not).
    router.post(PATH + "/*").handler(BodyHandler.create().setBodyLimit(bodyLimit))
        .failureHandler(ctx -> bridge.bodyRefused(ctx, bodyLimit));
    router.route(PATH + "/*").subRouter(sockJs);
  }

  /** An XHR frame over the limit: counted and logged like other refused frames (Vert.x logged a bare ERROR). */
  private void bodyRefused(RoutingContext ctx, long bodyLimit) {
    if (ctx.statusCode() != 413) {
      ctx.next();
      return;
    }
    limits.oversized(ConnectionEvents.SOCKJS, bodyLimit);
    ctx.response().setStatusCode(413).end("TOO_LARGE: the frame is larger than " + bodyLimit + " bytes");
  }

  /** A failure in the hook must not leave the frame hanging: refused instead. */
  private void onEvent(BridgeEvent event) {
    try {
      handle(event);
    } catch (RuntimeException e) {
      LOG.warn("SockJS bridge frame refused: the hook failed on it: {}", e.toString());
      event.tryComplete(false);
    }
  }

  private void handle(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    switch (event.type()) {
      case SOCKET_CREATED -> {
        Slot slot = limits.connect(socket.remoteAddress(), ConnectionEvents.SOCKJS);
        if (slot == null) {
          // Closed once the refusal is written: closed at once (complete(false)), a loaded node could drop the frame.
          event.complete(true);
          socket.write(Buffer.buffer(limits.connectionRefused(socket.remoteAddress(), ConnectionEvents.SOCKJS).encode()))
              .eventually(() -> {
                socket.close();
                return Future.succeededFuture();
              });
          return;
        }
        BridgeSession created = sessions.opened(socket, ConnectionEvents.SOCKJS, socket.remoteAddress());
        created.addressSlot = slot;
        created.onExpiry = () -> {
          write(socket, BridgeAuth.expiredFrame(ConnectionEvents.SOCKJS));
          socket.close();
        };
        events.opened(ConnectionEvents.SOCKJS, created.id, socket.remoteAddress());
        event.complete(true);
        return;
      }
      case SOCKET_CLOSED -> {
        if (sessions.has(socket)) {
          events.closed(ConnectionEvents.SOCKJS, sessions.session(socket).id, socket.remoteAddress());
        }
        sessions.close(socket);
      }
      default -> { }
    }
    if (event.type() == BridgeEventType.SOCKET_CLOSED) {
      event.complete(true);
      return;
    }
    if (!sessions.has(socket)) {
      event.complete(false); // refused at SOCKET_CREATED, being closed: nothing it sends goes through
      return;
    }
    BridgeSession session = sessions.session(socket);
    BridgeLimits.Refusal overRate = limits.rate(session, event.type(), event.getRawMessage(), ConnectionEvents.SOCKJS);
    if (overRate != null) {
      refuse(event, overRate);
      return;
    }
    boolean inbound = event.type() == BridgeEventType.SEND || event.type() == BridgeEventType.PUBLISH;
    if (inbound && !BridgePermissions.wellFormed(event.getRawMessage())) {
      limits.malformed(ConnectionEvents.SOCKJS);
      event.complete(false); // the client gets {"type":"err","body":"rejected"}
      return;
    }
    BridgeLimits.Refusal badType = inbound ? limits.requestType(event.getRawMessage(), ConnectionEvents.SOCKJS) : null;
    if (badType != null) {
      refuse(event, badType); // else the bridge's own matching would answer a bare access_denied
      return;
    }
    auth.permits(session, event.type(), event.getRawMessage()).onComplete(ar -> {
      if (ar.failed()) {
        refuse(event, new BridgeLimits.Refusal(BridgeAuth.refusal(event.getRawMessage(), ar.cause(), ConnectionEvents.SOCKJS), false));
        return;
      }
      boolean allowed = ar.result();
      if (allowed && inbound) {
        BridgeLimits.Refusal tooMany = limits.documents(session, event.getRawMessage(), ConnectionEvents.SOCKJS);
        if (tooMany != null) {
          refuse(event, tooMany);
          return;
        }
        session.sent(event.getRawMessage());
        session.stamp(event.getRawMessage());
      }
      event.complete(allowed);
    });
  }

  /** Not processed: the client is told why (then gets the bridge's own "rejected"); closed when it floods. */
  private static void refuse(BridgeEvent event, BridgeLimits.Refusal refusal) {
    if (refusal.frame() != null) {
      write(event.socket(), refusal.frame());
    }
    event.complete(false);
    if (refusal.close()) {
      event.socket().close();
    }
  }

  private static void write(SockJSSocket socket, JsonObject frame) {
    socket.write(Buffer.buffer(frame.encode()));
  }
}
