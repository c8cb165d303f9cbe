package dev.docsync.transport.ws;

import dev.docsync.protocol.Base64s;
import io.vertx.core.json.JsonObject;

/**
 * The bus form of the ephemeral messages that travel between connections on {@link
 * dev.docsync.protocol.Addresses#ephemeral}, so they reach every WebSocket peer of a document, on this node or
 * (clustered) another. Never stored.
 */
final class EphemeralRelay {
  private EphemeralRelay() {}

  /**
   * {@code origin} is the sending connection, which must not get its own message back; {@code subject} is
   * its token's subject, the identity presence attributes the message to (senderId is the client's choice).
   */
  static JsonObject toBus(String origin, String subject, WsMessage.Ephemeral message) {
    return new JsonObject()
        .put("origin", origin)
        .put("subject", subject)
        .put("senderId", message.senderId())
        .put("sessionId", message.sessionId())
        .put("count", message.count())
        .put("data", Base64s.encode(message.data()));
  }

  static String origin(JsonObject body) {
    return body.getString("origin");
  }

  /** A refusal for one connection (presence.EphemeralPresence#notice), not a message to relay: its text, else null. */
  static String noticeFor(String connId, JsonObject body) {
    return connId.equals(body.getValue("to")) && body.getValue("notice") instanceof String text ? text : null;
  }

  static boolean isNotice(JsonObject body) {
    return body.containsKey("notice");
  }

  /** The relayed message keeps sender, session and count (receivers deduplicate on them); only the target changes. */
  static WsMessage.Ephemeral fromBus(JsonObject body, String docId, String targetId) {
    return new WsMessage.Ephemeral(body.getString("senderId"), targetId, docId,
        Base64s.decode(body.getString("data"), "data"), body.getLong("count"), body.getString("sessionId"));
  }
}
