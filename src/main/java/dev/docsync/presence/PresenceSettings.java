package dev.docsync.presence;

/**
 * Tunables of presence.
 *
 * @param timeoutMs a participant not heard of (update or heartbeat) for this long is reported gone
 */
public record PresenceSettings(long timeoutMs) {
  public PresenceSettings {
    if (timeoutMs <= 0) {
      throw new IllegalArgumentException("presence timeout must be positive");
    }
  }

  /** How often expiry is checked: a small fraction of the timeout, so a leave is late by at most that. */
  long sweepMs() {
    return Math.max(10, Math.min(timeoutMs / 10, 1_000));
  }
}
