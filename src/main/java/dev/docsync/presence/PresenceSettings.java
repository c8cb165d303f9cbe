package dev.docsync.presence;

/**
 * Tunables of presence.
 *
 * @param timeoutMs a participant not heard of (update or heartbeat) for this long is reported gone
 * @param maxStateBytes largest presence state kept (JSON, UTF-8), and largest presence message taken from
 *     a /sync peer (CBOR payload): presence is held in memory and sent to everyone, on every transport
 */
public record PresenceSettings(long timeoutMs, int maxStateBytes) {
  public static final int DEFAULT_MAX_STATE_BYTES = 16 * 1024;

  public PresenceSettings {
    if (timeoutMs <= 0) {
      throw new IllegalArgumentException("presence timeout must be positive");
    }
    if (maxStateBytes <= 0) {
      throw new IllegalArgumentException("presence state limit must be positive");
    }
  }

  /** With the default state limit. */
  public PresenceSettings(long timeoutMs) {
    this(timeoutMs, DEFAULT_MAX_STATE_BYTES);
  }

  /** How often expiry is checked: a small fraction of the timeout, so a leave is late by at most that. */
  long sweepMs() {
    return Math.max(10, Math.min(timeoutMs / 10, 1_000));
  }
}
