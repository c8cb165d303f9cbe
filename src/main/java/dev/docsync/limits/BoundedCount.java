package dev.docsync.limits;

import java.util.concurrent.atomic.AtomicInteger;

/** A count that may not exceed a limit (0: no limit), e.g. the node's WebSockets not yet joined. Thread-safe. */
public final class BoundedCount {
  private final int limit;
  private final AtomicInteger count = new AtomicInteger();

  public BoundedCount(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be 0 (off) or positive");
    }
    this.limit = limit;
  }

  /** A slot, or null when the count is at its limit. */
  public Slot tryAcquire() {
    while (true) {
      int now = count.get();
      if (limit > 0 && now >= limit) {
        return null;
      }
      if (count.compareAndSet(now, now + 1)) {
        return ConnectionLimits.once(count::decrementAndGet);
      }
    }
  }

  public int count() {
    return count.get();
  }

  public int limit() {
    return limit;
  }
}
