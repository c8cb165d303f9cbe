package dev.docsync.presence;

import dev.docsync.cluster.Membership;
import dev.docsync.cluster.Placement;
import dev.docsync.cluster.Replies;
import dev.docsync.protocol.Addresses;
import dev.docsync.limits.LogThrottle;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.protocol.Identity;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence per document: who is there, their user info, cursor, selection and typing state. Lives in
 * memory only. A participant belongs to the token subject that created it (see {@link Identity}), whatever
 * the transport; states are limited to {@link PresenceSettings#maxStateBytes} everywhere. Requests arrive on {@link PresenceAddresses#REQUESTS}; join, update and leave events
 * go out on {@link PresenceAddresses#events}. WebSocket peers take part through automerge-repo's
 * Presence messages on the ephemeral relay ({@link EphemeralPresence}). Confined to the context
 * that started it.
 */
public final class PresenceService {
  private static final Logger LOG = LoggerFactory.getLogger(PresenceService.class);
  private static final LogThrottle LOG_LINES = new LogThrottle(20);
  private static final long PROBE_INTERVAL_MS = 5_000;

  private final Vertx vertx;
  private final PresenceSettings settings;
  private final PresenceRegistry registry = new PresenceRegistry();
  private final PresenceRequestParser parser;
  private final Membership membership;
  private final EphemeralPresence ephemeral;
  /** {@code docsync.presence.rejected{reason}}: presence refused, from any transport. */
  private final MeterRegistry metrics;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  /** Documents loaded by the core: their WebSocket peers may speak presence at any time. */
  private final Set<String> loaded = new HashSet<>();
  /** When each document's WebSocket peers were last asked for their state (probes are rate-limited). */
  private final Map<String, Long> lastProbe = new HashMap<>();
  private long sweepTimer;

  private PresenceService(Vertx vertx, PresenceSettings settings, MeterRegistry metrics, Membership membership) {
    this.vertx = vertx;
    this.membership = membership;
    this.settings = settings;
    this.metrics = metrics;
    this.parser = new PresenceRequestParser(settings.maxStateBytes());
    this.ephemeral = new EphemeralPresence(vertx.eventBus(), settings.maxStateBytes(), new EphemeralPresence.Inbound() {
      @Override
      public void presence(WsPresence message) {
        fromWebSocket(message);
      }

      @Override
      public void tooLarge(String docId, String senderId, String connection, int bytes) {
        refuseWebSocket(docId, connection, PresenceRequestParser.tooLarge(
            "presence message of " + bytes + " bytes from peer " + senderId, settings.maxStateBytes()));
      }
    });
  }

  /**
   * Each document's presence lives on one node, the one placement picks among the live members (a hint is enough
   * for state that is never stored): requests reaching another node are passed on to it, its events reach every node.
   */
  public static Future<PresenceService> start(Vertx vertx, PresenceSettings settings, MeterRegistry metrics,
                                              Membership membership) {
    PresenceService service = new PresenceService(vertx, settings, metrics, membership);
    service.consumers.add(vertx.eventBus().consumer(PresenceAddresses.REQUESTS, service::toPlacedNode));
    service.consumers.add(vertx.eventBus().consumer(PresenceAddresses.node(membership.nodeId()), service::onRequest));
    membership.onChange(service::membersChanged);
    service.consumers.add(vertx.eventBus().consumer(Addresses.EVENTS, m -> {
      if (m.body() instanceof JsonObject event) {
        service.onServerEvent(event);
      }
    }));
    service.sweepTimer = vertx.setPeriodic(settings.sweepMs(), id -> service.sweep());
    return Future.all(service.consumers.stream().map(MessageConsumer::completion).toList()).map(service);
  }

  public Future<Void> close() {
    vertx.cancelTimer(sweepTimer);
    List<Future<Void>> closing = new ArrayList<>();
    consumers.forEach(c -> closing.add(c.unregister()));
    closing.add(ephemeral.close());
    return Future.join(closing).mapEmpty();
  }

  // ---- event-bus participants ----

  private void toPlacedNode(Message<Object> message) {
    String docId = message.body() instanceof JsonObject json && json.getValue("docId") instanceof String id ? id : null;
    String node = docId == null ? membership.nodeId() : placedOn(docId);
    if (node.equals(membership.nodeId())) {
      onRequest(message);
    } else {
      Replies.pipe(message, vertx.eventBus().request(PresenceAddresses.node(node), message.body(), Replies.headersOf(message)));
    }
  }

  private String placedOn(String docId) {
    List<String> owners = membership.documentOwners();
    return owners.isEmpty() ? membership.nodeId() : Placement.owner(docId, owners);
  }

  /** Documents placed elsewhere now: their WebSocket presence is that node's to follow. */
  private void membersChanged() {
    for (String docId : List.copyOf(loaded)) {
      if (!placedOn(docId).equals(membership.nodeId())) {
        loaded.remove(docId);
        unwatchIfIdle(docId);
      }
    }
  }

  private void onRequest(Message<Object> message) {
    try {
      message.reply(apply(parser.parse(message.body()), Identity.subject(message.headers())));
    } catch (DocsyncException e) {
      rejected(e);
      message.fail(e.code().code(), e.wireMessage());
    } catch (RuntimeException e) {
      LOG.error("Presence request failed", e);
      message.fail(ErrorCode.INTERNAL.code(), DocsyncException.from(e).wireMessage());
    }
  }

  /** {@code subject} speaks: it reaches only participants it owns (a LEAVE or HEARTBEAT of anyone else's is about no one). */
  private JsonObject apply(PresenceRequest request, String subject) {
    String docId = request.docId().value();
    long now = System.currentTimeMillis();
    if (request instanceof PresenceRequest.Update u) {
      checkSize(docId, subject, u.participantId(), u.state());
      ephemeral.watch(docId);
      publish(registry.upsert(docId, subject, u.participantId(), Participant.Via.BUS, null, u.state(), now));
      return participants(docId);
    }
    if (request instanceof PresenceRequest.Heartbeat h) {
      PresenceChange change = registry.touch(docId, subject, h.participantId(), now);
      if (change == null) {
        throw new DocsyncException(ErrorCode.UNKNOWN_PEER,
            "participant '" + h.participantId() + "' is not present on " + docId + " (expired?): send UPDATE with the whole state");
      }
      publish(change);
      return new JsonObject().put("docId", docId);
    }
    if (request instanceof PresenceRequest.Leave l) {
      publish(registry.remove(docId, subject, l.participantId(), l.reason()));
      unwatchIfIdle(docId);
      return new JsonObject().put("docId", docId);
    }
    return participants(docId);
  }

  /** The state the participant would have after the merge must fit the limit, as the state of a new one does. */
  private void checkSize(String docId, String subject, String id, JsonObject partial) {
    Participant existing = registry.find(docId, subject, id);
    JsonObject merged = existing == null ? partial : existing.state.copy().mergeIn(partial);
    int bytes = PresenceRequestParser.encodedSize(merged);
    if (bytes > settings.maxStateBytes()) {
      throw PresenceRequestParser.tooLarge("presence state of " + bytes + " bytes (after this update)", settings.maxStateBytes());
    }
  }

  private JsonObject participants(String docId) {
    JsonArray list = new JsonArray();
    registry.participants(docId).forEach(p -> list.add(p.toJson()));
    return new JsonObject().put("docId", docId).put("participants", list);
  }

  // ---- WebSocket participants (automerge-repo Presence) ----

  private void fromWebSocket(WsPresence message) {
    try {
      applyWebSocket(message);
    } catch (DocsyncException e) {
      refuseWebSocket(message.docId(), message.connection(), e);
    }
  }

  /** Counted and logged as any refused input, and the /sync client is told in an error message. */
  private void refuseWebSocket(String docId, String connection, DocsyncException e) {
    rejected(e);
    ephemeral.notice(docId, connection, e.wireMessage() + " (document " + docId + ")");
  }

  private void applyWebSocket(WsPresence message) {
    String docId = message.docId();
    long now = System.currentTimeMillis();
    JsonObject inner = message.message();
    switch (message.type()) {
      case "snapshot" -> wsUpsert(message, inner.getValue("state") instanceof JsonObject s ? s : new JsonObject(), now);
      case "update" -> {
        if (inner.getValue("channel") instanceof String channel) {
          wsUpsert(message, new JsonObject().put(channel, inner.getValue("value")), now);
        }
      }
      case "heartbeat" -> heartbeatFromWebSocket(message, now);
      case "goodbye" -> publish(registry.remove(docId, message.subject(), message.senderId(), PresenceChange.GOODBYE));
      default -> { }
    }
  }

  /** A heartbeat of a peer whose state docsync missed (sent before it listened): ask for it again. */
  private void heartbeatFromWebSocket(WsPresence message, long now) {
    PresenceChange change = registry.touch(message.docId(), message.subject(), message.senderId(), now);
    if (change != null) {
      publish(change);
    } else if (now - lastProbe.getOrDefault(message.docId(), 0L) >= PROBE_INTERVAL_MS) {
      lastProbe.put(message.docId(), now);
      ephemeral.probe(message.docId());
    }
  }

  private void wsUpsert(WsPresence message, JsonObject partial, long now) {
    checkSize(message.docId(), message.subject(), message.senderId(), partial);
    PresenceChange change = registry.upsert(message.docId(), message.subject(), message.senderId(), Participant.Via.WS,
        message.connection(), partial, now);
    publish(change);
    if (change.kind() == PresenceChange.Kind.JOIN) {
      // As automerge-repo's Presence does for a new peer: tell it about everyone already there.
      registry.participants(message.docId()).stream()
          .filter(p -> p.via == Participant.Via.BUS)
          .forEach(ephemeral::snapshot);
    }
  }

  // ---- lifecycle ----

  private void onServerEvent(JsonObject event) {
    switch (event.getString("event", "")) {
      case "document.loaded" -> {
        if (!placedOn(event.getString("docId")).equals(membership.nodeId())) {
          return; // another node follows this document's presence
        }
        // WebSocket peers may have announced their presence while the document was loading.
        loaded.add(event.getString("docId"));
        ephemeral.watch(event.getString("docId"));
        ephemeral.probe(event.getString("docId"));
      }
      case "document.unloaded" -> {
        loaded.remove(event.getString("docId"));
        lastProbe.remove(event.getString("docId"));
        unwatchIfIdle(event.getString("docId"));
      }
      case "ws.connection.closed" -> registry.removeOrigin(event.getString("connId")).forEach(this::publishAndTidy);
      default -> { }
    }
  }

  private void sweep() {
    registry.expire(System.currentTimeMillis(), settings.timeoutMs()).forEach(this::publishAndTidy);
  }

  private void publishAndTidy(PresenceChange change) {
    publish(change);
    unwatchIfIdle(change.participant().docId);
  }

  private void unwatchIfIdle(String docId) {
    if (docId != null && !loaded.contains(docId) && !registry.has(docId)) {
      ephemeral.unwatch(docId);
    }
  }

  private void publish(PresenceChange change) {
    if (change == null) {
      return;
    }
    if (change.published()) {
      vertx.eventBus().publish(PresenceAddresses.events(change.participant().docId), change.toEvent());
    }
    if (change.participant().via == Participant.Via.BUS) {
      ephemeral.forward(change);
    }
  }

  /** As the core does for its own input: counted by subscribers of docsync.events, with the same shape. */
  private void rejected(DocsyncException e) {
    metrics.counter("docsync.presence.rejected", "reason", e.code().name()).increment();
    String held = LOG_LINES.admit(e.code().name());
    if (held != null) {
      LOG.info("Rejected presence input: {}{}", e.wireMessage(), held);
    }
    vertx.eventBus().publish(Addresses.EVENTS, new JsonObject().put("event", "input.rejected")
        .put("code", e.code().name()).put("message", e.getMessage()));
  }
}
