package dev.docsync.transport.bridge;

import dev.docsync.limits.ConnectionLimits;
import dev.docsync.limits.Limit;
import dev.docsync.limits.LimitMeters;
import dev.docsync.limits.LimitSettings;
import dev.docsync.limits.MessageRate;
import dev.docsync.limits.Slot;
import dev.docsync.limits.LogThrottle;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.bridge.BridgeEventType;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limits as the bridges apply them: connections per address (at socket creation), the message rate
 * of each socket (send, publish, register, unregister and ping frames) and the documents a socket has
 * OPEN. A refused frame is not processed; the client gets an err frame saying why (on the request's
 * reply address when it has one, so its callback fails with the code), then the bridge's own refusal.
 * Use on the bridges' event loop.
 */
final class BridgeLimits {
  /** What to tell the client about a refused frame (null: nothing more than the bridge's refusal), and whether to close. */
  record Refusal(JsonObject frame, boolean close) {}

  private static final Logger LOG = LoggerFactory.getLogger(BridgeLimits.class);
  private static final LogThrottle LOG_LINES = new LogThrottle(20);

  /** Refused without a word: frames of a socket already being closed for flooding. */
  private static final Refusal SILENT = new Refusal(null, false);

  private final LimitSettings settings;
  private final ConnectionLimits connections;
  private final Map<String, LimitMeters> meters;
  /** {@code docsync.bridge.malformed}: frames refused because the bridge could not have handled them. */
  private final Map<String, Counter> malformed;

  BridgeLimits(Vertx vertx, LimitSettings settings, MeterRegistry registry) {
    this.settings = settings;
    this.connections = ConnectionLimits.of(vertx, settings);
    this.meters = Map.of(ConnectionEvents.SOCKJS, new LimitMeters(registry, ConnectionEvents.SOCKJS),
        ConnectionEvents.TCP, new LimitMeters(registry, ConnectionEvents.TCP));
    this.malformed = Map.of(ConnectionEvents.SOCKJS, registry.counter("docsync.bridge.malformed", "transport", ConnectionEvents.SOCKJS),
        ConnectionEvents.TCP, registry.counter("docsync.bridge.malformed", "transport", ConnectionEvents.TCP));
  }

  void exceeded(Limit limit, String transport) {
    meters.get(transport).exceeded(limit);
  }

  /** A slot for a new socket from {@code remote}, or null (counted) when that address has as many as allowed. */
  Slot connect(SocketAddress remote, String transport) {
    Slot slot = connections.tryOpen(ConnectionLimits.addressOf(remote));
    if (slot == null) {
      exceeded(Limit.CONNECTIONS_PER_IP, transport);
    }
    return slot;
  }

  /** The err frame of a connection refused at creation. */
  JsonObject connectionRefused(SocketAddress remote, String transport) {
    return errorFrame(null, Limit.CONNECTIONS_PER_IP.message("more than " + connections.limit() + " connections from "
        + ConnectionLimits.addressOf(remote)), Limit.CONNECTIONS_PER_IP, transport);
  }

  /** null when the frame is within the socket's message rate; else why not. */
  Refusal rate(BridgeSession session, BridgeEventType type, JsonObject raw, String transport) {
    if (!rated(type) || settings.messagesPerSecond() <= 0) {
      return null;
    }
    if (session.flooded) {
      return SILENT;
    }
    if (session.rate == null) {
      session.rate = settings.messageRate();
    }
    MessageRate.Verdict verdict = session.rate.take();
    if (verdict == MessageRate.Verdict.PASS) {
      return null;
    }
    boolean close = verdict == MessageRate.Verdict.CLOSE;
    session.flooded = close;
    Limit limit = close ? Limit.FLOOD : Limit.MESSAGE_RATE;
    exceeded(limit, transport);
    boolean tell = close || replyAddress(raw) != null || session.rate.notice();
    String text = limit.message(close
        ? "kept sending far more than " + settings.messagesPerSecond() + " messages a second (" + session.rate.dropped() + " dropped): closed"
        : "more than " + settings.messagesPerSecond() + " messages a second (burst " + settings.messageBurst() + "): dropped");
    return new Refusal(tell ? errorFrame(raw, text, limit, transport) : null, close);
  }

  /** null unless the frame OPENs one document more than a socket may have open. */
  Refusal documents(BridgeSession session, JsonObject raw, String transport) {
    int max = settings.docsPerConnection();
    if (max <= 0 || session.openDocuments() < max) {
      return null;
    }
    String docId = session.newlyOpened(raw);
    if (docId == null) {
      return null;
    }
    exceeded(Limit.DOCS_PER_CONNECTION, transport);
    return new Refusal(errorFrame(raw, Limit.DOCS_PER_CONNECTION.message("this connection already has " + max
        + " documents open, the most allowed: CLOSE one first (document " + docId + " refused)"),
        Limit.DOCS_PER_CONNECTION, transport), false);
  }

  /**
   * null unless the frame is a request of a type its address does not take (or has no type): then the
   * failure the service would give (UNKNOWN_TYPE, MALFORMED_MESSAGE) on its reply address, counted as malformed.
   */
  Refusal requestType(JsonObject raw, String transport) {
    DocsyncException problem = BridgePermissions.typeProblem(raw.getString("address"), raw.getValue("body"));
    if (problem == null) {
      return null;
    }
    malformed(transport);
    String held = LOG_LINES.admit(problem.code().name());
    if (held != null) {
      LOG.info("{} request refused: {}{}", transport, problem.wireMessage(), held);
    }
    return new Refusal(BridgeAuth.refusal(raw, problem, transport), false);
  }

  /** A frame larger than the transport takes, refused unread: counted as malformed, logged within bounds. */
  void oversized(String transport, long limit) {
    malformed(transport);
    String held = LOG_LINES.admit(ErrorCode.TOO_LARGE.name());
    if (held != null) {
      LOG.info("{} frame refused: larger than {} bytes{}", transport, limit, held);
    }
  }

  /** A frame refused as malformed before the bridge would have choked on it. */
  void malformed(String transport) {
    malformed.get(transport).increment();
  }

  /** The TCP guard's stand-in for a malformed frame ({@link TcpFrames}): MALFORMED_MESSAGE to the client, counted. */
  Refusal malformed(JsonObject standIn, String transport) {
    malformed.get(transport).increment();
    String text = String.valueOf(standIn.getValue("body"));
    String replyAddress = replyAddress(standIn);
    JsonObject frame = replyAddress != null
        ? new JsonObject().put("type", "err").put("address", replyAddress).put("failureCode", ErrorCode.MALFORMED_MESSAGE.code())
            .put("failureType", "RECIPIENT_FAILURE").put("message", text)
        : new JsonObject().put("type", "err").put(ConnectionEvents.TCP.equals(transport) ? "message" : "body", text);
    return new Refusal(frame, false);
  }

  /** Frames the client sends (not deliveries to it): the ones the rate applies to. */
  private static boolean rated(BridgeEventType type) {
    return type == BridgeEventType.SEND || type == BridgeEventType.PUBLISH || type == BridgeEventType.REGISTER
        || type == BridgeEventType.UNREGISTER || type == BridgeEventType.SOCKET_PING;
  }

  /**
   * A failure on the request's reply address, as the bridges deliver the core's failures; else a plain
   * err frame (the SockJS client passes it to {@code eb.onerror}; its text is in {@code body} there, in
   * {@code message} on the TCP bridge).
   */
  private static JsonObject errorFrame(JsonObject raw, String text, Limit limit, String transport) {
    String replyAddress = replyAddress(raw);
    if (replyAddress != null) {
      return new JsonObject().put("type", "err").put("address", replyAddress).put("failureCode", limit.code().code())
          .put("failureType", "RECIPIENT_FAILURE").put("message", text);
    }
    return new JsonObject().put("type", "err").put(ConnectionEvents.TCP.equals(transport) ? "message" : "body", text);
  }

  private static String replyAddress(JsonObject raw) {
    return raw != null && raw.getValue("replyAddress") instanceof String address ? address : null;
  }
}
