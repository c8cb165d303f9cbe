package dev.docsync.transport.ws;

import dev.docsync.limits.LimitSettings;

/**
 * Tunables of the automerge-repo WebSocket endpoint.
 *
 * @param pingMs interval of server pings; a socket silent (no pong, no frame) for a whole interval is closed
 * @param maxMessageBytes largest message (all frames of it) accepted; larger ones get an error and close 1009
 * @param deflate offer permessage-deflate. Vert.x 5.0.7 inflates compressed frames without a size bound
 *     (Netty maxAllocation 0) before {@code maxMessageBytes} applies: turn off for untrusted clients
 * @param limits message rate, documents per connection, connections per address, join timeout (DOCSYNC_LIMIT_*)
 */
public record WsSettings(long pingMs, int maxMessageBytes, boolean deflate, LimitSettings limits) {
  public WsSettings {
    if (pingMs <= 0 || maxMessageBytes <= 0) {
      throw new IllegalArgumentException("WebSocket ping interval and message limit must be positive");
    }
    if (limits == null) {
      throw new IllegalArgumentException("limits missing: use LimitSettings.DEFAULTS");
    }
  }

  /** With the default limits. */
  public WsSettings(long pingMs, int maxMessageBytes, boolean deflate) {
    this(pingMs, maxMessageBytes, deflate, LimitSettings.DEFAULTS);
  }
}
