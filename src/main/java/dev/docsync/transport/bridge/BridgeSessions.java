package dev.docsync.transport.bridge;

import dev.docsync.transport.ConnectionInfo;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link BridgeSession} of every live bridge socket, keyed by the socket object. Confined to the bridges' event loop. */
final class BridgeSessions {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeSessions.class);

  private final EventBus bus;
  private final Map<Object, BridgeSession> sessions = new HashMap<>();

  BridgeSessions(EventBus bus) {
    this.bus = bus;
  }

  boolean has(Object socket) {
    return sessions.containsKey(socket);
  }

  BridgeSession session(Object socket) {
    return sessions.computeIfAbsent(socket, s -> new BridgeSession());
  }

  /** The session of a socket seen for the first time, with what an operator sees of it. */
  BridgeSession opened(Object socket, String transport, Object remote) {
    BridgeSession session = session(socket);
    session.transport = transport;
    session.remote = String.valueOf(remote);
    return session;
  }

  List<ConnectionInfo> connections() {
    return sessions.values().stream().map(BridgeSession::info).toList();
  }

  /** The socket is gone: undo what it left open. */
  Future<Void> close(Object socket) {
    BridgeSession session = sessions.remove(socket);
    if (session == null) {
      return Future.succeededFuture();
    }
    session.addressSlot.release();
    session.expiry.cancel();
    return session.cleanUp(bus)
        .onFailure(e -> LOG.info("Clean-up after bridge socket {} partly failed: {}", session.id, e.getMessage()));
  }

  Future<Void> closeAll() {
    List<Future<Void>> closing = new ArrayList<>();
    List.copyOf(sessions.keySet()).forEach(socket -> closing.add(close(socket)));
    return Future.join(closing).mapEmpty();
  }
}
