package dev.docsync.transport.ws;

import dev.docsync.protocol.Addresses;
import dev.docsync.auth.Access;
import dev.docsync.auth.Grant;
import dev.docsync.limits.Limit;
import dev.docsync.limits.SyncMessageCheck;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The documents one joined WebSocket peer syncs, each as a peer of the core: HELLO the first time,
 * SYNC for every message, BYE at the end. Also its ephemeral subscriptions. Confined to the
 * connection's event loop.
 */
final class PeerDocuments {
  private static final Logger LOG = LoggerFactory.getLogger(PeerDocuments.class);
  private static final int BYE_ATTEMPTS = 3;

  /** A document of this peer: HELLO said (or saying), ephemeral relay subscribed. */
  private record DocLink(Future<JsonObject> hello, MessageConsumer<JsonObject> ephemerals) {
    /**
     * Whether another node than {@code node} answered the greeting. A greeting still under way is answered by the
     * owner that loads the document (its own load, most often) or fails, and the next message greets again.
     */
    boolean greetedByAnotherThan(String node) {
      return hello.succeeded() && !node.equals(hello.result().getString("node"));
    }
  }

  /**
   * @param corePeerId the core's name for this peer, unique per connection
   * @param storageId key of its stored sync states, null for an ephemeral client
   * @param outbox where the core sends its sync messages
   */
  record Peer(String peerId, String connId, String corePeerId, String storageId, String outbox, Grant grant) {}

  private final SyncEndpoint endpoint;
  private final Peer peer;
  private final Consumer<WsMessage> send;
  private final Map<String, DocLink> docs = new HashMap<>();
  private int refusalsLogged;

  PeerDocuments(SyncEndpoint endpoint, Peer peer, Consumer<WsMessage> send) {
    this.endpoint = endpoint;
    this.peer = peer;
    this.send = send;
  }

  /** A request or sync message; the core answers once the changes it carried are durable. */
  void sync(String docId, byte[] data, boolean request) {
    Access access = peer.grant().accessTo(docId);
    if (!access.canRead()) {
      forbidden(docId, request);
      return;
    }
    String unsafe = SyncMessageCheck.problem(data);
    if (unsafe != null) {
      // Never handed to Automerge: some such messages abort the JVM or hang a worker there (see SyncMessageCheck).
      endpoint.counters().rejected(ErrorCode.INVALID_SYNC_MESSAGE.name());
      if (refusalsLogged++ == 0) {
        LOG.info("Refused a sync message of peer {} for {} before the core: {}", peer.peerId(), docId, unsafe);
      } else {
        LOG.debug("Refused a sync message of peer {} for {} before the core: {}", peer.peerId(), docId, unsafe);
      }
      send.accept(new WsMessage.Error(serverId(), peer.peerId(),
          ErrorCode.INVALID_SYNC_MESSAGE.name() + ": " + unsafe + " (document " + docId + ")"));
      return;
    }
    int maxDocs = endpoint.settings().limits().docsPerConnection();
    if (maxDocs > 0 && docs.size() >= maxDocs && !docs.containsKey(docId)) {
      tooManyDocuments(docId, maxDocs, request);
      return;
    }
    DocLink existing = docs.get(docId);
    Future<JsonObject> answered = existing == null
        ? link(docId, access, data).hello() // the first message travels with the greeting
        : existing.hello().compose(v -> endpoint.core().sync(docId, peer.corePeerId(), data))
            .recover(e -> CorePeers.codeOf(e) == ErrorCode.UNKNOWN_PEER ? greetAgain(docId, access, data) : Future.failedFuture(e));
    answered
        .onSuccess(reply -> {
          if (request && reply.getJsonArray("heads").isEmpty()) {
            // Stays registered: when the document arrives, the core pushes it to this peer.
            send.accept(new WsMessage.DocUnavailable(serverId(), peer.peerId(), docId));
          }
        })
        .onFailure(e -> refused(docId, e, request));
  }

  /** To the other WebSocket peers of the document, wherever they are connected. */
  void relay(WsMessage.Ephemeral message) {
    if (!peer.grant().accessTo(message.documentId()).canRead()) {
      forbidden(message.documentId(), false);
      return;
    }
    endpoint.vertx().eventBus().publish(Addresses.ephemeral(message.documentId()),
        EphemeralRelay.toBus(peer.connId(), peer.grant().subject(), message));
  }

  int size() {
    return docs.size();
  }

  /**
   * The client missed sync messages of this document (it was behind in reading and they were not
   * queued): HELLO again makes the core forget what it had sent (as for a reconnecting peer) and
   * send, from the shared heads, whatever the client still lacks.
   */
  void resync(String docId) {
    DocLink link = docs.get(docId);
    if (link == null) {
      return;
    }
    boolean readOnly = !peer.grant().accessTo(docId).canWrite();
    Future<JsonObject> hello = link.hello().transform(v -> endpoint.core().hello(docId, peer.corePeerId(),
        peer.storageId(), peer.outbox(), readOnly, null));
    DocLink again = new DocLink(hello, link.ephemerals());
    docs.put(docId, again);
    hello.onFailure(e -> {
      if (docs.get(docId) == again) {
        unlink(docId); // the client's next message greets the core again
      }
    });
  }

  /**
   * The owner does not know this peer (the document moved to another node, or was reloaded without it): a new
   * greeting with the message, which the client never hears about.
   */
  private Future<JsonObject> greetAgain(String docId, Access access, byte[] message) {
    unlink(docId);
    return link(docId, access, message).hello();
  }

  private DocLink link(String docId, Access access, byte[] firstMessage) {
    DocLink link = docs.get(docId);
    if (link == null) {
      Future<JsonObject> hello = endpoint.core().hello(docId, peer.corePeerId(), peer.storageId(), peer.outbox(),
          !access.canWrite(), firstMessage);
      MessageConsumer<JsonObject> ephemerals = endpoint.vertx().eventBus()
          .consumer(Addresses.ephemeral(docId), m -> fromRelay(docId, m.body()));
      DocLink created = new DocLink(hello, ephemerals);
      docs.put(docId, created);
      endpoint.linked(docId, this);
      hello.onFailure(e -> unlink(docId));
      link = created;
    }
    return link;
  }

  /**
   * {@code node} loaded the document: unless it is the owner that answered our greeting, the document moved (the
   * owner died, was paused, or handed it over) and the new one does not know this peer: greet it.
   */
  void loadedOn(String docId, String node) {
    DocLink link = docs.get(docId);
    if (link != null && link.greetedByAnotherThan(node)) {
      resync(docId);
    }
  }

  /** The documents this peer syncs. */
  List<String> ids() {
    return List.copyOf(docs.keySet());
  }

  /** The document was deleted on the server: forgotten here, and the client told it is unavailable. */
  void deleted(String docId) {
    unlink(docId);
    send.accept(new WsMessage.DocUnavailable(serverId(), peer.peerId(), docId));
  }

  /** The next message for this document says HELLO again. */
  private void unlink(String docId) {
    DocLink link = docs.remove(docId);
    if (link != null) {
      endpoint.unlinked(docId, this);
      link.ephemerals().unregister();
    }
  }

  private void fromRelay(String docId, JsonObject body) {
    if (EphemeralRelay.isNotice(body)) {
      String notice = EphemeralRelay.noticeFor(peer.connId(), body);
      if (notice != null) {
        send.accept(new WsMessage.Error(serverId(), peer.peerId(), notice));
      }
    } else if (!peer.connId().equals(EphemeralRelay.origin(body))) {
      send.accept(EphemeralRelay.fromBus(body, docId, peer.peerId()));
    }
  }

  /** A document the token does not open: neither read nor written, and the client is told. */
  private void forbidden(String docId, boolean request) {
    endpoint.counters().rejected(ErrorCode.FORBIDDEN.name());
    endpoint.authFailed();
    send.accept(new WsMessage.Error(serverId(), peer.peerId(),
        ErrorCode.FORBIDDEN.name() + ": the token does not open document " + docId));
    if (request) {
      send.accept(new WsMessage.DocUnavailable(serverId(), peer.peerId(), docId));
    }
  }

  /** One document more than a connection may sync: refused (never HELLOed), the others carry on. */
  private void tooManyDocuments(String docId, int maxDocs, boolean request) {
    endpoint.exceeded(Limit.DOCS_PER_CONNECTION);
    LOG.debug("Peer {} already syncs {} documents: refused {}", peer.peerId(), maxDocs, docId);
    send.accept(new WsMessage.Error(serverId(), peer.peerId(), Limit.DOCS_PER_CONNECTION.message("this connection already syncs "
        + maxDocs + " documents, the most allowed: document " + docId + " refused (sync it on another connection)")));
    if (request) {
      send.accept(new WsMessage.DocUnavailable(serverId(), peer.peerId(), docId));
    }
  }

  /** The core's error goes to the client as an error message; the node and the socket carry on. */
  private void refused(String docId, Throwable failure, boolean request) {
    ErrorCode code = CorePeers.codeOf(failure);
    endpoint.counters().rejected(code.name());
    if (refusalsLogged++ == 0) { // once per connection at INFO: no log flooding by a misbehaving client
      LOG.info("Core refused a message of peer {} for {}: {} (later refusals at DEBUG)", peer.peerId(), docId, failure.getMessage());
    } else {
      LOG.debug("Core refused a message of peer {} for {}: {}", peer.peerId(), docId, failure.getMessage());
    }
    String text = String.valueOf(failure.getMessage());
    send.accept(new WsMessage.Error(serverId(), peer.peerId(),
        (text.startsWith(code.name()) ? text : code.name() + ": " + text) + " (document " + docId + ")"));
    if (code == ErrorCode.UNKNOWN_PEER) {
      unlink(docId); // the owner lost us: greet it again
    }
    if (request && code == ErrorCode.DOC_UNAVAILABLE) {
      send.accept(new WsMessage.DocUnavailable(serverId(), peer.peerId(), docId));
    }
  }

  /** BYE for every document, so the core stores the sync states and forgets this peer. */
  Future<Void> byeAll() {
    List<Future<JsonObject>> byes = new ArrayList<>();
    docs.forEach((docId, link) -> {
      link.ephemerals().unregister();
      endpoint.unlinked(docId, this);
      byes.add(link.hello().compose(v -> bye(docId, 1)));
    });
    docs.clear();
    return Future.join(byes).mapEmpty();
  }

  /** A peer the core is never told BYE stays parked with its document: retry a few times. */
  private Future<JsonObject> bye(String docId, int attempt) {
    return endpoint.core().bye(docId, peer.corePeerId()).recover(e -> {
      if (attempt >= BYE_ATTEMPTS) {
        LOG.warn("BYE of peer {} for {} failed {} times: {}", peer.peerId(), docId, attempt, e.getMessage());
        return Future.failedFuture(e);
      }
      return endpoint.vertx().timer(200L * attempt).compose(t -> bye(docId, attempt + 1));
    });
  }

  private String serverId() {
    return endpoint.identity().peerId();
  }
}
