package dev.docsync.limits;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes held on behalf of clients, bounded per remote address and for the whole node (0: no bound),
 * e.g. unfinished fragmented WebSocket messages. One instance per node and purpose, shared by every
 * event loop: a client cannot spread its holding over sockets to escape it. Thread-safe.
 */
public final class ByteBudget implements Shareable {
  private static final String MAP = "docsync.limits.bytes";

  private final long perAddress;
  private final long total;
  private final AtomicLong held = new AtomicLong();
  private final ConcurrentHashMap<String, Long> byAddress = new ConcurrentHashMap<>();

  public ByteBudget(long perAddress, long total) {
    if (perAddress < 0 || total < 0) {
      throw new IllegalArgumentException("budgets must be 0 (off) or positive");
    }
    this.perAddress = perAddress;
    this.total = total;
  }

  /** The node's budget called {@code name}, created with these bounds by the first one that asks. */
  public static ByteBudget of(Vertx vertx, String name, long perAddress, long total) {
    LocalMap<String, ByteBudget> map = vertx.sharedData().getLocalMap(MAP);
    ByteBudget created = new ByteBudget(perAddress, total);
    ByteBudget existing = map.putIfAbsent(name, created);
    return existing == null ? created : existing;
  }

  /** Why {@code bytes} more for {@code address} do not fit (nothing taken then), or null when they were taken. */
  public String tryTake(String address, long bytes) {
    long now = held.addAndGet(bytes);
    if (total > 0 && now > total) {
      held.addAndGet(-bytes);
      return "the node would hold more than " + total + " bytes of unfinished messages (it holds " + (now - bytes) + ")";
    }
    long[] refusedAt = {-1};
    byAddress.compute(address, (k, n) -> {
      long mine = n == null ? 0 : n;
      if (perAddress > 0 && mine + bytes > perAddress) {
        refusedAt[0] = mine;
        return n;
      }
      return mine + bytes;
    });
    if (refusedAt[0] >= 0) {
      held.addAndGet(-bytes);
      return address + " would hold more than " + perAddress + " bytes of unfinished messages (it holds " + refusedAt[0] + ")";
    }
    return null;
  }

  /** Takes {@code bytes} whatever the bounds (bytes already held elsewhere, e.g. written to a socket): see {@link #over}. */
  public void add(String address, long bytes) {
    held.addAndGet(bytes);
    byAddress.merge(address, bytes, Long::sum);
  }

  /** Whether {@code bytes} more would pass the node's bound. */
  public boolean over(long bytes) {
    return total > 0 && held.get() + bytes > total;
  }

  /** Gives back bytes taken for {@code address}. */
  public void release(String address, long bytes) {
    if (bytes <= 0) {
      return;
    }
    held.addAndGet(-bytes);
    byAddress.computeIfPresent(address, (k, n) -> n - bytes <= 0 ? null : n - bytes);
  }

  /** Bytes held for the whole node. */
  public long held() {
    return held.get();
  }

  public long heldFor(String address) {
    return byAddress.getOrDefault(address, 0L);
  }
}
