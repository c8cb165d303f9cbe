package dev.docsync.limits;

import java.util.function.LongSupplier;

/**
 * The message rate of one connection: a {@link TokenBucket} of messages, and one of dropped messages
 * that decides when a client flooding far past the limit is disconnected. Confined to the connection's
 * event loop.
 */
public final class MessageRate {
  /** What to do with a message. */
  public enum Verdict {
    /** Within the limit: process it. */
    PASS,
    /** Over the limit: drop it (not processed). */
    DROP,
    /** Over the limit for too long: drop it and close the connection. */
    CLOSE
  }

  /** Seconds over which {@code floodDrops} dropped messages are tolerated. */
  static final int FLOOD_WINDOW_SECONDS = 10;
  private static final long NOTICE_INTERVAL_NANOS = 1_000_000_000L;

  private final LongSupplier clock;
  private final TokenBucket messages;
  private final TokenBucket drops;
  private long dropped;
  private long lastNotice;
  private boolean noticed;

  /**
   * @param perSecond sustained rate (0: no limit)
   * @param burst messages at once above it
   * @param floodDrops drops tolerated per {@value #FLOOD_WINDOW_SECONDS} s before CLOSE (0: never closed)
   */
  public MessageRate(int perSecond, int burst, int floodDrops, LongSupplier clock) {
    this.clock = clock;
    long now = clock.getAsLong();
    this.messages = perSecond > 0 ? new TokenBucket(perSecond, Math.max(burst, 1), now) : null;
    this.drops = perSecond > 0 && floodDrops > 0
        ? new TokenBucket((double) floodDrops / FLOOD_WINDOW_SECONDS, floodDrops, now) : null;
  }

  /** Takes one message's worth of the limit. */
  public Verdict take() {
    if (messages == null) {
      return Verdict.PASS;
    }
    long now = clock.getAsLong();
    if (messages.tryTake(now)) {
      return Verdict.PASS;
    }
    dropped++;
    return drops != null && !drops.tryTake(now) ? Verdict.CLOSE : Verdict.DROP;
  }

  /**
   * For a stream that can be slowed down rather than dropped from: takes one message's worth if the
   * rate allows it now; nothing is counted as dropped.
   */
  public boolean tryTake() {
    return messages == null || messages.tryTake(clock.getAsLong());
  }

  /** Nanoseconds until {@link #tryTake()} can succeed. */
  public long nanosUntilNext() {
    return messages == null ? 0 : messages.nanosUntilToken(clock.getAsLong());
  }

  /** Whether the client should be told about the drop just made: at most once a second, not for every message. */
  public boolean notice() {
    long now = clock.getAsLong();
    if (noticed && now - lastNotice < NOTICE_INTERVAL_NANOS) {
      return false;
    }
    noticed = true;
    lastNotice = now;
    return true;
  }

  /** Messages dropped so far. */
  public long dropped() {
    return dropped;
  }
}
