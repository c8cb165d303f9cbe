package dev.docsync.transport.bridge;

import dev.docsync.limits.MessageRate;
import dev.docsync.limits.Slot;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.protocol.Addresses;
import io.vertx.core.Future;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocRequest;
import dev.docsync.protocol.Identity;
import dev.docsync.transport.ConnectionInfo;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What one bridge socket left open, learnt from what it sent: documents it OPENed (not yet CLOSEd)
 * and presence participants it announced (not yet LEAVEn). When the socket closes, {@link #cleanUp}
 * undoes both, as the client would have. Confined to the bridge's event loop.
 */
final class BridgeSession {
  private record ParticipantKey(String docId, String participantId) {}

  final String id = UUID.randomUUID().toString();
  final long since = System.currentTimeMillis();
  /** Which bridge and which client address, set when the socket is first seen. */
  String transport = "bridge";
  String remote = "?";
  /** The last token this socket presented, and what it grants (see BridgeAuth). */
  String token;
  dev.docsync.auth.Grant grant;
  /** Fires when that token expires (see BridgeAuth); the bridge's action then: tell the client, close the socket. */
  dev.docsync.auth.ExpiryTimer expiry = dev.docsync.auth.ExpiryTimer.NONE;
  Runnable onExpiry = () -> { };
  /** This socket's place in the per-address connection count (given back on close), and its message rate (see BridgeLimits). */
  Slot addressSlot = Slot.NONE;
  MessageRate rate;
  /** Closed for flooding: whatever still arrives is refused silently, not counted again. */
  boolean flooded;
  /** OPEN counts: the core counts each OPEN, so each gets its CLOSE. */
  private final Map<String, Integer> openDocs = new HashMap<>();
  private final Set<ParticipantKey> participants = new LinkedHashSet<>();

  /**
   * A SEND or PUBLISH from the client, seen before the bridge checks permissions (only permitted
   * addresses and types are tracked here anyway). Counted before the reply, which the bridge hook
   * never sees: an OPEN that fails (rare: store down, overloaded) costs one CLOSE too many on close,
   * which the core ignores (it counts OPENs per opener, and this socket has none left to undo).
   */
  void sent(JsonObject raw) {
    if (raw == null || !(raw.getValue("body") instanceof JsonObject body)
        || !(body.getValue("type") instanceof String type) || !(body.getValue("docId") instanceof String docId)) {
      return;
    }
    String address = raw.getString("address");
    if (Addresses.FRONTEND.equals(address)) {
      frontend(type, docId);
    } else if (PresenceAddresses.REQUESTS.equals(address) && body.getValue("participantId") instanceof String participantId) {
      presence(type, new ParticipantKey(docId, participantId));
    }
  }

  /**
   * Stamps who sends a frame the bridge passes on (protocol.Identity): the token's subject, and this socket as
   * the opener of its OPENs and CLOSEs. Whatever the client put in these headers is replaced. The bridge
   * copies the frame's headers onto the event-bus message after this hook.
   */
  void stamp(JsonObject raw) {
    JsonObject headers = raw.getValue("headers") instanceof JsonObject h ? h : new JsonObject();
    headers.put(Identity.SUBJECT_HEADER, grant == null ? Identity.ANONYMOUS : grant.subject());
    headers.put(Identity.OPENER_HEADER, id);
    raw.put("headers", headers);
  }

  /** The docId of a frontend OPEN of a document this socket does not have open yet, else null. */
  String newlyOpened(JsonObject raw) {
    if (raw == null || !Addresses.FRONTEND.equals(raw.getValue("address")) || !(raw.getValue("body") instanceof JsonObject body)
        || !"OPEN".equals(body.getValue("type")) || !(body.getValue("docId") instanceof String docId)) {
      return null;
    }
    return openDocs.containsKey(docId) ? null : docId;
  }

  /** What an operator sees of this socket. */
  ConnectionInfo info() {
    return new ConnectionInfo(id, transport, grant == null ? "-" : grant.subject(), remote, List.copyOf(openDocs.keySet()), since);
  }

  /** Distinct documents OPENed and not CLOSEd. */
  int openDocuments() {
    return openDocs.size();
  }

  private void frontend(String type, String docId) {
    if ("OPEN".equals(type)) {
      openDocs.merge(docId, 1, Integer::sum);
    } else if ("CLOSE".equals(type)) {
      openDocs.computeIfPresent(docId, (k, n) -> n > 1 ? n - 1 : null);
    }
  }

  private void presence(String type, ParticipantKey key) {
    if ("UPDATE".equals(type) || "HEARTBEAT".equals(type)) {
      participants.add(key);
    } else if ("LEAVE".equals(type)) {
      participants.remove(key);
    }
  }

  /** CLOSE for every document still open, LEAVE (reason disconnect) for every participant still present. */
  Future<Void> cleanUp(EventBus bus) {
    List<Future<?>> requests = new ArrayList<>();
    // As this socket, so that its CLOSEs undo its own OPENs and its LEAVEs reach its own participants.
    DeliveryOptions asThisSocket = new DeliveryOptions()
        .addHeader(Identity.SUBJECT_HEADER, grant == null ? Identity.ANONYMOUS : grant.subject())
        .addHeader(Identity.OPENER_HEADER, id);
    openDocs.forEach((docId, count) -> {
      for (int i = 0; i < count && DocId.valid(docId); i++) {
        requests.add(bus.request(Addresses.FRONTEND, new DocRequest.Close(new DocId(docId)).toJson(), asThisSocket));
      }
    });
    participants.forEach(p -> requests.add(bus.request(PresenceAddresses.REQUESTS, new JsonObject()
        .put("type", "LEAVE").put("docId", p.docId()).put("participantId", p.participantId()).put("reason", "disconnect"),
        asThisSocket)));
    openDocs.clear();
    participants.clear();
    return Future.join(requests).mapEmpty();
  }
}
