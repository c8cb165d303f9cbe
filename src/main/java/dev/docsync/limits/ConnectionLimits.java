package dev.docsync.limits;

import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Open connections per remote address, one count per node shared by every transport (WebSocket /sync,
 * SockJS and TCP bridges), so that one address cannot hold more than {@code DOCSYNC_LIMIT_CONNECTIONS_PER_IP}
 * sockets in all. The address is the TCP peer's: behind a reverse proxy every client has the proxy's
 * address, so raise the limit there (or turn it off) and limit per client at the proxy. Thread-safe.
 */
public final class ConnectionLimits implements Shareable {
  private static final String MAP = "docsync.limits";
  private static final String KEY = "connections-per-ip";

  private final int perAddress;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  ConnectionLimits(int perAddress) {
    this.perAddress = perAddress;
  }

  /** The node's counts (one per Vert.x instance), created with these settings by the first transport that asks. */
  public static ConnectionLimits of(Vertx vertx, LimitSettings settings) {
    LocalMap<String, ConnectionLimits> map = vertx.sharedData().getLocalMap(MAP);
    ConnectionLimits created = new ConnectionLimits(settings.connectionsPerIp());
    ConnectionLimits existing = map.putIfAbsent(KEY, created);
    return existing == null ? created : existing;
  }

  /** The key of a remote address: its IP, without the port. */
  public static String addressOf(SocketAddress remote) {
    if (remote == null) {
      return "unknown";
    }
    String host = remote.hostAddress();
    return host != null ? host : String.valueOf(remote);
  }

  /** A slot for one more connection from {@code address}, or null when it has as many as allowed. */
  public Slot tryOpen(String address) {
    if (perAddress <= 0) {
      return Slot.NONE;
    }
    AtomicBoolean granted = new AtomicBoolean();
    open.compute(address, (k, n) -> {
      int count = n == null ? 0 : n;
      if (count >= perAddress) {
        return n;
      }
      granted.set(true);
      return count + 1;
    });
    return granted.get() ? once(() -> open.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1)) : null;
  }

  public int limit() {
    return perAddress;
  }

  /** Connections open from {@code address}. */
  public int openFrom(String address) {
    return open.getOrDefault(address, 0);
  }

  /** A slot whose release runs {@code release} exactly once. */
  static Slot once(Runnable release) {
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        release.run();
      }
    };
  }
}
