package dev.docsync.limits;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the HTTP server against clients that open connections and never finish a request (slowloris):
 * counts TCP connections per remote address from accept, before a byte is parsed, closing those past
 * {@code DOCSYNC_LIMIT_HTTP_CONNECTIONS_PER_IP}; and closes a connection that has not sent a whole
 * request head within {@code DOCSYNC_HTTP_REQUEST_HEAD_TIMEOUT_MS} of opening (later, idle keep-alive connections
 * end at the idle timeout).
 *
 * <p>At accept only the socket's address is known, not the Forwarded / X-Forwarded-For headers: with
 * {@code DOCSYNC_HTTP_TRUST_FORWARDED} every connection would count against the proxy, so the per-address
 * count is not applied then (the proxy must limit per client; the head deadline still applies).
 * Thread-safe: connections of every event loop come through one guard.
 */
public final class HttpConnectionGuard {
  private static final Logger LOG = LoggerFactory.getLogger(HttpConnectionGuard.class);

  private final Vertx vertx;
  private final SocketLimits limits;
  private final ConnectionLimits perAddress;
  private final LimitMeters meters;
  private final LogThrottle logs = new LogThrottle(10);
  private final Map<HttpConnection, Watch> watches = new ConcurrentHashMap<>();

  private HttpConnectionGuard(Vertx vertx, SocketLimits limits, boolean trustForwarded, MeterRegistry metrics) {
    this.vertx = vertx;
    this.limits = limits;
    this.perAddress = new ConnectionLimits(trustForwarded ? 0 : limits.httpConnectionsPerIp());
    this.meters = new LimitMeters(metrics, "http");
  }

  /** Sets {@code server}'s connection handler and its request handler ({@code requests}, watched); returns it. */
  public static HttpServer install(Vertx vertx, HttpServer server, Handler<HttpServerRequest> requests, SocketLimits limits,
                                   boolean trustForwarded, MeterRegistry metrics) {
    HttpConnectionGuard guard = new HttpConnectionGuard(vertx, limits, trustForwarded, metrics);
    return server.connectionHandler(guard::accepted).requestHandler(request -> {
      guard.headArrived(request);
      requests.handle(request);
    });
  }

  private void accepted(HttpConnection connection) {
    String address = ConnectionLimits.addressOf(connection.remoteAddress());
    Slot slot = perAddress.tryOpen(address);
    if (slot == null) {
      refuse(connection, Limit.HTTP_CONNECTIONS_PER_IP, "more than " + perAddress.limit() + " HTTP connections from " + address);
      return;
    }
    Watch watch = new Watch(connection, address);
    watches.put(connection, watch);
    Runnable closed = () -> {
      slot.release(); // once, however often it is called
      watch.cancel();
      watches.remove(connection);
    };
    connection.closeHandler(v -> closed.run());
    // After a WebSocket upgrade the HTTP connection's close handler never runs (the WebSocket takes the channel
    // over): the slot is given back when the TCP channel itself closes. Vert.x's internal ConnectionBase (5.0.7)
    // is the way to it; IdleSlotReleaseTest fails if an upgrade changes that.
    if (connection instanceof ConnectionBase base) {
      base.channel().closeFuture().addListener(f -> closed.run()); // on the connection's event loop
    }
    watch.awaitHead();
  }

  private void headArrived(HttpServerRequest request) {
    Watch watch = watches.get(request.connection());
    if (watch == null) {
      return;
    }
    // Only the first head has a deadline. A keep-alive connection between requests is idle, not slow: closing it
    // after a few seconds races clients' pools, which reuse it for minutes (a request sent as it closes fails).
    // The idle timeout ends it; the per-address count bounds how many a client holds.
    watch.cancel();
    watches.remove(request.connection());
  }

  private void refuse(HttpConnection connection, Limit limit, String detail) {
    meters.exceeded(limit);
    String suffix = logs.admit(limit.tag());
    if (suffix != null) {
      LOG.info("HTTP connection from {} closed: {}{}", connection.remoteAddress(), detail, suffix);
    }
    connection.close();
  }

  /** The request-head deadline of one connection; touched only on its event loop. */
  private final class Watch {
    private final HttpConnection connection;
    private final String address;
    private long timer = -1;

    Watch(HttpConnection connection, String address) {
      this.connection = connection;
      this.address = address;
    }

    void awaitHead() {
      long ms = limits.httpRequestHeadTimeoutMs();
      if (ms > 0 && timer == -1) {
        timer = vertx.setTimer(ms, id -> {
          timer = -1;
          refuse(connection, Limit.HTTP_REQUEST_HEAD_TIMEOUT, "no whole request head from " + address + " within " + ms + " ms");
        });
      }
    }

    void cancel() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
