package dev.docsync.presence;

import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.JsonBodies;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;

/**
 * Event-bus bodies to {@link PresenceRequest}s. The state is an open JSON object (automerge-repo
 * Presence channels are arbitrary); the well-known keys are checked so that every client can rely
 * on their shape: {@code user {name, color}}, {@code cursor} (an Automerge cursor string),
 * {@code selection {anchor, head}} (cursor strings), {@code typing} (boolean). Cursors are opaque
 * to the server.
 */
final class PresenceRequestParser {
  private static final int MAX_ID_LENGTH = 256;
  private static final int MAX_NAME_LENGTH = 256;
  /** Presence is broadcast to everyone on every change: kept small (DOCSYNC_PRESENCE_MAX_STATE_BYTES). */
  private final int maxStateBytes;

  PresenceRequestParser(int maxStateBytes) {
    this.maxStateBytes = maxStateBytes;
  }

  PresenceRequest parse(Object body) {
    JsonObject json = JsonBodies.object(body);
    String type = JsonBodies.string(json, "type", true, 32);
    DocId docId = new DocId(JsonBodies.string(json, "docId", true, MAX_ID_LENGTH));
    if ("LIST".equals(type)) {
      return new PresenceRequest.ListParticipants(docId);
    }
    String participantId = JsonBodies.string(json, "participantId", true, MAX_ID_LENGTH);
    return switch (type) {
      case "UPDATE" -> new PresenceRequest.Update(docId, participantId, state(json));
      case "HEARTBEAT" -> new PresenceRequest.Heartbeat(docId, participantId);
      case "LEAVE" -> new PresenceRequest.Leave(docId, participantId, reason(json));
      default -> throw new DocsyncException(ErrorCode.UNKNOWN_TYPE,
          "unknown presence message type '" + type + "' (expected UPDATE, HEARTBEAT, LEAVE or LIST)");
    };
  }

  private JsonObject state(JsonObject json) {
    Object value = json.getValue("state");
    if (!(value instanceof JsonObject state)) {
      throw malformed("field 'state' must be a JSON object");
    }
    int bytes = encodedSize(state);
    if (bytes > maxStateBytes) {
      throw tooLarge("presence state of " + bytes + " bytes", maxStateBytes);
    }
    checkUser(state.getValue("user"));
    checkCursor(state, "cursor");
    checkSelection(state.getValue("selection"));
    if (state.containsKey("typing") && !(state.getValue("typing") instanceof Boolean)) {
      throw malformed("state.typing must be a boolean");
    }
    return state;
  }

  private static void checkUser(Object user) {
    if (user == null) {
      return;
    }
    if (!(user instanceof JsonObject u)) {
      throw malformed("state.user must be an object {name, color}");
    }
    JsonBodies.string(u, "name", false, MAX_NAME_LENGTH);
    JsonBodies.string(u, "color", false, 64);
  }

  private static void checkSelection(Object selection) {
    if (selection == null) {
      return;
    }
    if (!(selection instanceof JsonObject s)) {
      throw malformed("state.selection must be null or an object {anchor, head} of cursors");
    }
    checkCursor(s, "anchor");
    checkCursor(s, "head");
  }

  /** null clears a cursor; otherwise it is the string Automerge's getCursor/makeCursor gave. */
  private static void checkCursor(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw malformed("cursor '" + field + "' must be a string (an Automerge cursor) or null");
    }
  }

  private static String reason(JsonObject json) {
    String reason = JsonBodies.string(json, "reason", false, 32);
    if (reason == null) {
      return PresenceChange.GOODBYE;
    }
    if (!reason.equals(PresenceChange.GOODBYE) && !reason.equals(PresenceChange.DISCONNECT)) {
      throw malformed("field 'reason' must be goodbye or disconnect");
    }
    return reason;
  }





  /** Size of a state as kept and sent: its JSON, UTF-8. */
  static int encodedSize(JsonObject state) {
    return state.toBuffer().length();
  }

  static DocsyncException tooLarge(String what, int maxStateBytes) {
    return new DocsyncException(ErrorCode.TOO_LARGE, what + " exceeds the limit of " + maxStateBytes
        + " bytes (DOCSYNC_PRESENCE_MAX_STATE_BYTES): send less (e.g. cursors, not content)");
  }

  private static DocsyncException malformed(String message) {
    return new DocsyncException(ErrorCode.MALFORMED_MESSAGE, message);
  }
}
