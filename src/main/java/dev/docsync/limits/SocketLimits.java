package dev.docsync.limits;

/**
 * Bounds on what one socket can make the node hold: bytes queued for a client that does not read,
 * WebSocket messages sent in fragments and not finished, HTTP connections that never finish a
 * request head. 0 switches a bound off.
 *
 * @param outboundMaxBytes per WebSocket /sync: bytes written and not yet taken by the client past
 *     which ephemeral messages are dropped (at half of it) and sync messages deferred; a socket
 *     holding more than twice it is closed
 * @param outboundNodeMaxBytes all WebSockets of the node: past it every socket that is behind gets
 *     nothing droppable more (ephemerals dropped, sync deferred)
 * @param outboundStallMs a WebSocket with bytes waiting and none taken by the client for this long is closed
 * @param unfinishedMessageMs a WebSocket message sent in fragments must be finished within this time
 * @param unfinishedBytesPerIp bytes of unfinished fragmented messages held for one remote address
 * @param unfinishedBytes bytes of unfinished fragmented messages held for the whole node
 * @param httpIdleTimeoutMs an HTTP connection (WebSocket included) with nothing read or written this long is closed
 * @param httpRequestHeadTimeoutMs an HTTP connection must send a whole request head within this time
 *     of opening (or of its previous response)
 * @param httpConnectionsPerIp TCP connections to the HTTP server from one address, counted from accept
 */
public record SocketLimits(long outboundMaxBytes, long outboundNodeMaxBytes, long outboundStallMs,
    long unfinishedMessageMs, long unfinishedBytesPerIp, long unfinishedBytes,
    long httpIdleTimeoutMs, long httpRequestHeadTimeoutMs, int httpConnectionsPerIp) {

  /** The defaults of config/docsync.json. */
  public static final SocketLimits DEFAULTS = new SocketLimits(32L << 20, 256L << 20, 60_000,
      30_000, 64L << 20, 256L << 20, 120_000, 10_000, 512);

  public static final SocketLimits NONE = new SocketLimits(0, 0, 0, 0, 0, 0, 0, 0, 0);

  public SocketLimits {
    if (outboundMaxBytes < 0 || outboundNodeMaxBytes < 0 || outboundStallMs < 0 || unfinishedMessageMs < 0
        || unfinishedBytesPerIp < 0 || unfinishedBytes < 0 || httpIdleTimeoutMs < 0 || httpRequestHeadTimeoutMs < 0
        || httpConnectionsPerIp < 0) {
      throw new IllegalArgumentException("socket limits must be 0 (off) or positive");
    }
  }
}
