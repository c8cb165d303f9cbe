package dev.docsync.transport.bridge;

import dev.docsync.limits.LimitSettings;

/**
 * Tunables of the event-bus bridges.
 *
 * @param sockJs serve the SockJS bridge at {@link SockJsBridge#PATH} on the HTTP server
 * @param tcp run the TCP event-bus bridge
 * @param tcpHost interface the TCP bridge binds to
 * @param tcpPort its port (0: any free one)
 * @param tcpMaxFrameBytes largest TCP bridge frame (4-byte length + JSON) accepted; a larger one closes the socket
 * @param eventsOutbound whether bridged clients may subscribe to {@code docsync.events}
 * @param limits message rate, documents OPENed per socket, connections per address (DOCSYNC_LIMIT_*)
 */
public record BridgeSettings(boolean sockJs, boolean tcp, String tcpHost, int tcpPort, int tcpMaxFrameBytes,
    boolean eventsOutbound, LimitSettings limits) {
  public BridgeSettings {
    if (tcpPort < 0 || tcpPort > 65_535 || tcpMaxFrameBytes <= 0) {
      throw new IllegalArgumentException("TCP bridge port must be 0-65535 and its frame limit positive");
    }
    if (limits == null) {
      throw new IllegalArgumentException("limits missing: use LimitSettings.DEFAULTS");
    }
  }

  /** With the default limits. */
  public BridgeSettings(boolean sockJs, boolean tcp, String tcpHost, int tcpPort, int tcpMaxFrameBytes,
      boolean eventsOutbound) {
    this(sockJs, tcp, tcpHost, tcpPort, tcpMaxFrameBytes, eventsOutbound, LimitSettings.DEFAULTS);
  }
}
