package dev.docsync.presence;

import io.vertx.core.json.JsonObject;

/**
 * What happened to a participant. JOIN, UPDATE and LEAVE become events on the document's presence
 * address; HEARTBEAT only keeps the participant alive (and is relayed to WebSocket peers).
 *
 * @param changed the state keys that changed, with their new values (JOIN: the whole state)
 * @param reason LEAVE only: goodbye, timeout or disconnect
 */
record PresenceChange(Kind kind, Participant participant, JsonObject changed, String reason) {
  enum Kind { JOIN, UPDATE, HEARTBEAT, LEAVE }

  static final String GOODBYE = "goodbye";
  static final String TIMEOUT = "timeout";
  static final String DISCONNECT = "disconnect";

  boolean published() {
    return kind != Kind.HEARTBEAT;
  }

  JsonObject toEvent() {
    JsonObject event = new JsonObject()
        .put("event", kind.name().toLowerCase())
        .put("docId", participant.docId)
        .put("participantId", participant.id)
        .put("subject", participant.subject)
        .put("via", participant.via.wire());
    switch (kind) {
      case JOIN -> event.put("state", participant.state.copy());
      case UPDATE -> event.put("state", participant.state.copy()).put("changed", changed.copy());
      case LEAVE -> event.put("reason", reason);
      default -> { }
    }
    return event;
  }
}
