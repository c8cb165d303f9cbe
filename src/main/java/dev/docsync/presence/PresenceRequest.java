package dev.docsync.presence;

import dev.docsync.protocol.DocId;
import io.vertx.core.json.JsonObject;

/** A parsed, validated request on {@link PresenceAddresses#REQUESTS}. */
sealed interface PresenceRequest {
  DocId docId();

  /** Joins (first time) or changes some top-level keys of the participant's state; also a heartbeat. */
  record Update(DocId docId, String participantId, JsonObject state) implements PresenceRequest {}

  /** Keeps the participant alive without changing anything. */
  record Heartbeat(DocId docId, String participantId) implements PresenceRequest {}

  /** The participant leaves; {@code reason} is goodbye (the participant said so) or disconnect (its bridge socket closed). */
  record Leave(DocId docId, String participantId, String reason) implements PresenceRequest {}

  /** Who is present on the document. */
  record ListParticipants(DocId docId) implements PresenceRequest {}
}
