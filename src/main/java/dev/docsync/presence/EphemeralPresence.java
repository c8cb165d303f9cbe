package dev.docsync.presence;

import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Base64s;
import dev.docsync.protocol.Identity;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Presence to and from automerge-repo WebSocket peers, through the /sync endpoint's ephemeral relay
 * (one publish address per document, bodies {origin, senderId, sessionId, count, data}). Bus
 * participants appear to WebSocket peers as peers of their own (senderId = participantId) speaking
 * automerge-repo's Presence protocol; WebSocket peers' Presence messages come back as {@link WsPresence}.
 */
final class EphemeralPresence {
  /** Must equal transport.ws.Addresses.ephemeral(docId), which is not public. */
  /** Sender of probes: never a participant. */
  static final String PROBE_SENDER = "docsync-presence-probe";

  private final EventBus bus;
  private final PresenceCodec codec = new PresenceCodec();
  /** The relay drops a message only for the connection named in origin: this one is no connection. */
  private final String origin = "presence:" + UUID.randomUUID();
  private final Inbound inbound;
  private final int maxPayloadBytes;
  private final Map<String, MessageConsumer<JsonObject>> watched = new HashMap<>();
  private final String probeSession = UUID.randomUUID().toString();
  private long probeCount;

  /** What WebSocket peers send. */
  interface Inbound {
    void presence(WsPresence message);

    /** A presence payload over the limit: refused undecoded. */
    void tooLarge(String docId, String senderId, String connection, int bytes);
  }

  EphemeralPresence(EventBus bus, int maxPayloadBytes, Inbound inbound) {
    this.bus = bus;
    this.maxPayloadBytes = maxPayloadBytes;
    this.inbound = inbound;
  }

  static String relayAddress(String docId) {
    return Addresses.ephemeral(docId);
  }

  /** Starts listening to the WebSocket peers of a document. */
  void watch(String docId) {
    watched.computeIfAbsent(docId, id -> bus.consumer(relayAddress(id), m -> fromRelay(id, m.body())));
  }

  void unwatch(String docId) {
    MessageConsumer<JsonObject> consumer = watched.remove(docId);
    if (consumer != null) {
      consumer.unregister();
    }
  }

  boolean watching(String docId) {
    return watched.containsKey(docId);
  }

  /** Tells the WebSocket peers what a bus participant did. */
  void forward(PresenceChange change) {
    Participant participant = change.participant();
    switch (change.kind()) {
      case JOIN -> snapshot(participant);
      case UPDATE -> change.changed().forEach(e -> send(participant,
          new JsonObject().put("type", "update").put("channel", e.getKey()).put("value", e.getValue())));
      case HEARTBEAT -> send(participant, new JsonObject().put("type", "heartbeat"));
      case LEAVE -> send(participant, new JsonObject().put("type", "goodbye"));
    }
  }

  /** The whole state of a bus participant, as automerge-repo's Presence announces itself to new peers. */
  void snapshot(Participant participant) {
    send(participant, new JsonObject().put("type", "snapshot").put("state", participant.state.copy()));
  }

  /**
   * Asks every WebSocket peer of the document for its whole presence state. automerge-repo's Presence
   * re-announces itself (snapshot, 500 ms later) to any sender it does not know, even on a heartbeat,
   * and does not record a sender of a mere heartbeat: so a heartbeat from a name no participant uses
   * recovers states sent before docsync listened, without appearing in anyone's peer list.
   */
  void probe(String docId) {
    publish(docId, PROBE_SENDER, probeSession, ++probeCount, new JsonObject().put("type", "heartbeat"));
  }

  Future<Void> close() {
    List<Future<Void>> unregistered = new ArrayList<>();
    watched.values().forEach(c -> unregistered.add(c.unregister()));
    watched.clear();
    return Future.join(unregistered).mapEmpty();
  }

  private void send(Participant participant, JsonObject message) {
    publish(participant.docId, participant.id, participant.sessionId, participant.nextCount(), message);
  }

  private void publish(String docId, String senderId, String sessionId, long count, JsonObject message) {
    bus.publish(relayAddress(docId), new JsonObject()
        .put("origin", origin)
        .put("senderId", senderId)
        .put("sessionId", sessionId)
        .put("count", count)
        .put("data", Base64s.encode(codec.encode(message))));
  }

  /**
   * Tells one /sync connection why its presence was refused: an {@code error} message to that client
   * (transport.ws.PeerDocuments delivers bodies with {@code notice} to the connection named in {@code to} only).
   */
  void notice(String docId, String connection, String text) {
    if (connection != null) {
      bus.publish(relayAddress(docId), new JsonObject().put("origin", origin).put("to", connection).put("notice", text));
    }
  }

  private void fromRelay(String docId, JsonObject body) {
    if (body == null || origin.equals(body.getString("origin")) || !(body.getValue("data") instanceof String data)) {
      return;
    }
    String senderId = body.getString("senderId");
    String connection = body.getString("origin");
    JsonObject message;
    try {
      byte[] payload = Base64s.decode(data, "data");
      if (payload.length > maxPayloadBytes && codec.isPresence(payload)) {
        inbound.tooLarge(docId, senderId, connection, payload.length);
        return;
      }
      message = codec.decode(payload);
    } catch (RuntimeException e) {
      return; // not ours to judge: the relay only carries what /sync accepted
    }
    if (message != null && senderId != null) {
      // The relay names the token subject of the sending connection (none: a node without authentication).
      String subject = body.getValue("subject") instanceof String s ? s : Identity.ANONYMOUS;
      inbound.presence(new WsPresence(docId, senderId, subject, connection, message));
    }
  }
}
