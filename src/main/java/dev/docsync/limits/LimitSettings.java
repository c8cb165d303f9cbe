package dev.docsync.limits;

/**
 * The limits on connections from outside the JVM (WebSocket /sync, SockJS and TCP bridges). 0 turns a
 * limit off. The size limits are elsewhere: DOCSYNC_WS_MAX_MESSAGE_BYTES, DOCSYNC_MAX_PAYLOAD_BYTES,
 * DOCSYNC_BRIDGE_TCP_MAX_FRAME_BYTES.
 *
 * @param messagesPerSecond sustained messages a second per connection (WebSocket messages: more wait,
 *     the socket is read at this rate; bridge send, publish, register, unregister and ping frames: more
 *     are dropped with RATE_LIMITED)
 * @param messageBurst how many messages a connection may send at once above the sustained rate
 * @param floodDrops a bridge connection that had more frames than this dropped within about 10 s is closed
 * @param docsPerConnection distinct documents one WebSocket syncs, or one bridge socket OPENs
 * @param connectionsPerIp open WebSocket, SockJS and TCP bridge connections from one remote address
 * @param joinTimeoutMs a WebSocket that has not sent {@code join} this long after the upgrade is closed
 * @param prejoinMessages messages a WebSocket may send before it has joined; later ones are dropped unread
 * @param pendingConnections WebSockets of the node not yet joined (upgrade requests being authenticated included)
 * @param sockets bytes a socket may make the node hold (outbound queue, unfinished messages) and HTTP connection limits
 */
public record LimitSettings(int messagesPerSecond, int messageBurst, int floodDrops, int docsPerConnection,
    int connectionsPerIp, long joinTimeoutMs, int prejoinMessages, int pendingConnections, SocketLimits sockets) {

  /** The defaults of config/docsync.json. */
  public static final LimitSettings DEFAULTS = new LimitSettings(200, 1000, 2000, 1000, 256, 10_000, 8, 1024,
      SocketLimits.DEFAULTS);

  /** No limit at all (in-process tools and tests that measure something else). */
  public static final LimitSettings NONE = new LimitSettings(0, 0, 0, 0, 0, 0, 0, 0, SocketLimits.NONE);

  public LimitSettings {
    if (messagesPerSecond < 0 || messageBurst < 0 || floodDrops < 0 || docsPerConnection < 0 || connectionsPerIp < 0
        || joinTimeoutMs < 0 || prejoinMessages < 0 || pendingConnections < 0) {
      throw new IllegalArgumentException("limits must be 0 (off) or positive");
    }
    if (sockets == null) {
      throw new IllegalArgumentException("socket limits missing: use SocketLimits.DEFAULTS");
    }
  }

  /** The per-connection rate limiter these settings describe. */
  public MessageRate messageRate() {
    return new MessageRate(messagesPerSecond, Math.max(messageBurst, 1), floodDrops, System::nanoTime);
  }
}
