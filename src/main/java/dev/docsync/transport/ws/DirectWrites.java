package dev.docsync.transport.ws;

import io.vertx.core.http.ServerWebSocket;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives an upgraded WebSocket the write path of a strict-thread-mode connection. Vert.x 5.0.7 builds every
 * WebSocket's connection with a cross-thread write queue (a JCTools MPSC queue whose first chunk is 1,024
 * slots: ~4.9 KB, over a third of an idle socket's heap) whatever {@code HttpServerOptions.setStrictThreadMode}
 * says; docsync writes to a socket only from its event loop, as strict mode requires, so the queue is
 * replaced by Vert.x's own direct one before anything is written. Reaches into Vert.x internals
 * (VertxConnection.outboundMessageQueue, DirectOutboundMessageQueue): when an upgrade changes them, sockets
 * keep the queue they have (logged once) and IdleConnectionHeapTest fails.
 */
final class DirectWrites {
  private static final Logger LOG = LoggerFactory.getLogger(DirectWrites.class);
  private static final Access ACCESS = Access.find();

  private DirectWrites() {}

  /** Must run on the socket's event loop, before its first write. */
  static void apply(ServerWebSocket socket) {
    if (ACCESS == null) {
      return;
    }
    try {
      Object ws = ACCESS.wrapper.isInstance(socket) ? ACCESS.delegate.get(socket) : socket;
      Object connection = ACCESS.base.isInstance(ws) ? ACCESS.conn.get(ws) : null;
      if (ACCESS.connectionClass.isInstance(connection)) {
        ACCESS.queue.set(connection, ACCESS.direct.newInstance(connection));
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("WebSocket write queue left as it is: {}", e.toString());
    }
  }

  /** Vert.x Web hands out its wrapper of the core's socket (which says the forwarded address). */
  private record Access(Class<?> wrapper, Field delegate, Class<?> base, Class<?> connectionClass, Field conn, Field queue,
                        Constructor<?> direct) {
    static Access find() {
      try {
        Class<?> wrapper = Class.forName("io.vertx.ext.web.impl.ServerWebSocketWrapper");
        Field delegate = wrapper.getDeclaredField("delegate");
        delegate.setAccessible(true);
        Class<?> base = Class.forName("io.vertx.core.http.impl.WebSocketImplBase");
        Class<?> connection = Class.forName("io.vertx.core.net.impl.VertxConnection");
        Class<?> direct = Class.forName("io.vertx.core.net.impl.VertxConnection$DirectOutboundMessageQueue");
        Field conn = base.getDeclaredField("conn");
        Field queue = connection.getDeclaredField("outboundMessageQueue");
        Constructor<?> make = direct.getDeclaredConstructor(connection);
        conn.setAccessible(true);
        queue.setAccessible(true);
        make.setAccessible(true);
        return new Access(wrapper, delegate, base, connection, conn, queue, make);
      } catch (ReflectiveOperationException | RuntimeException e) {
        LOG.info("This Vert.x has no direct WebSocket write queue to use ({}): each socket keeps its cross-thread queue", e.toString());
        return null;
      }
    }
  }
}
