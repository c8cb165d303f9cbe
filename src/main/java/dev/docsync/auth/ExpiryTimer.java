package dev.docsync.auth;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Runs an action when a grant's token expires, for connections that outlive the check of their token
 * (a WebSocket is closed, a bridge socket too). Use on one event loop; {@link #cancel} when the
 * connection ends first, so that a long-lived token holds no timer for a closed socket.
 */
public final class ExpiryTimer {
  /** Longer waits are taken in steps: a timer's delay must stay far from overflowing. */
  private static final long MAX_STEP_MS = Duration.ofDays(1).toMillis();

  /** Never fires: a connection whose token has not been checked yet. */
  public static final ExpiryTimer NONE = new ExpiryTimer(null, null, () -> { });

  private final Vertx vertx;
  private final Instant expiresAt;
  private final Runnable onExpiry;
  private long timerId = -1;
  private boolean cancelled;

  private ExpiryTimer(Vertx vertx, Instant expiresAt, Runnable onExpiry) {
    this.vertx = vertx;
    this.expiresAt = expiresAt;
    this.onExpiry = onExpiry;
  }

  /** Nothing is scheduled for a token without {@code exp}. */
  public static ExpiryTimer start(Vertx vertx, Grant grant, Runnable onExpiry) {
    ExpiryTimer timer = new ExpiryTimer(vertx, grant.expiresAt(), onExpiry);
    if (grant.expiresAt() != null) {
      timer.arm();
    }
    return timer;
  }

  private void arm() {
    Instant now = Instant.now();
    long step = expiresAt.isAfter(now.plusMillis(MAX_STEP_MS)) ? MAX_STEP_MS : now.until(expiresAt, ChronoUnit.MILLIS);
    timerId = vertx.setTimer(Math.max(1, step), id -> {
      timerId = -1;
      if (cancelled) {
        return;
      }
      if (Instant.now().isBefore(expiresAt)) {
        arm();
      } else {
        onExpiry.run();
      }
    });
  }

  public void cancel() {
    cancelled = true;
    if (timerId != -1) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }
}
