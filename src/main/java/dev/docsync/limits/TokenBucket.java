package dev.docsync.limits;

/**
 * A token bucket: holds at most {@code capacity} tokens, gains {@code perSecond} tokens a second, and
 * each {@link #tryTake} spends one. Starts full. Not thread-safe: one per connection, on its event loop.
 */
public final class TokenBucket {
  private final double capacity;
  private final double perNano;
  private double tokens;
  private long last;

  /** @param nowNanos the clock's current reading ({@link System#nanoTime()} in production) */
  public TokenBucket(double perSecond, double capacity, long nowNanos) {
    if (!(perSecond > 0) || !(capacity >= 1)) {
      throw new IllegalArgumentException("a token bucket needs a positive rate and room for at least one token");
    }
    this.capacity = capacity;
    this.perNano = perSecond / 1e9;
    this.tokens = capacity;
    this.last = nowNanos;
  }

  /** Spends one token if there is one. */
  public boolean tryTake(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Nanoseconds until the next token is there (0: there is one now). */
  public long nanosUntilToken(long nowNanos) {
    refill(nowNanos);
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
  }

  private void refill(long nowNanos) {
    if (nowNanos > last) {
      tokens = Math.min(capacity, tokens + (nowNanos - last) * perNano);
      last = nowNanos;
    }
  }
}
