package dev.docsync.presence;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** One participant of one document, as the registry knows it. Mutable; confined to the presence context. */
final class Participant {
  /** Where the participant speaks from: the event bus (in-JVM or bridged) or a /sync WebSocket. */
  enum Via {
    BUS, WS;

    String wire() {
      return name().toLowerCase();
    }
  }

  final String docId;
  /** The token subject that owns it (protocol.Identity): only requests of that subject reach it. */
  final String subject;
  final String id;
  final Via via;
  /** The WebSocket connection that last relayed this participant (null on the bus). */
  String origin;
  final JsonObject state = new JsonObject();
  long lastSeen;
  /** Session and counter of the ephemeral messages sent on behalf of a bus participant (receivers deduplicate on them). */
  final String sessionId = UUID.randomUUID().toString();
  private long count;

  Participant(String docId, String subject, String id, Via via, String origin, long now) {
    this.docId = docId;
    this.subject = subject;
    this.id = id;
    this.via = via;
    this.origin = origin;
    this.lastSeen = now;
  }

  long nextCount() {
    return ++count;
  }

  JsonObject toJson() {
    return new JsonObject().put("participantId", id).put("subject", subject).put("state", state.copy()).put("via", via.wire());
  }
}
