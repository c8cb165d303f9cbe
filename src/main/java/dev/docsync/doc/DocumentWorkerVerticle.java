package dev.docsync.doc;

import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Answers;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocRequest;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.Identity;
import dev.docsync.protocol.RequestParser;
import dev.docsync.cluster.Membership;
import dev.docsync.cluster.Placement;
import dev.docsync.store.DocumentStore;
import dev.docsync.store.Lease;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import dev.docsync.protocol.ErrorCode;
import java.util.concurrent.TimeUnit;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * One shard of a node's documents: receives the requests {@link DocumentRouter} sends to its address and hands each
 * to the one owner of its document, creating (loading) owners on demand and unloading idle ones. All its owners live
 * on this verticle's event loop; their Automerge work runs on a worker pool shared by the shards. It keeps the leases
 * of its documents alive.
 */
public final class DocumentWorkerVerticle extends VerticleBase implements OwnerEnvironment {
  private final DocumentStore store;
  private final MeterRegistry registry;
  private final OwnerSettings settings;
  private final int automergeThreads;
  private final RequestParser parser;
  private final Membership membership;
  private final int index;
  private final long leaseMs;
  /** The last lease renewal (a stopping shard waits for it). */
  private Future<?> renewal = Future.succeededFuture();
  /** In access order: the head is the least recently used document. */
  private final Map<String, DocumentOwner> owners = new LinkedHashMap<>(64, 0.75f, true);
  private final Map<String, Parked> parked = new HashMap<>();
  private final FrontendOpeners openers = new FrontendOpeners();
  /** Documents being deleted: requests for them are refused until the rows are gone. */
  private final Set<String> deleting = new HashSet<>();
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  private WorkerExecutor automerge;
  private ServerEvents events;
  private boolean stopping;
  private long totalBytes;
  // Read by other threads (metrics, tests).
  private volatile int loadedCount;
  private volatile long loadedBytes;
  private volatile int peerSessions;

  DocumentWorkerVerticle(DocumentStore store, OwnerSettings settings, int automergeThreads, int maxPayloadBytes,
                         MeterRegistry registry, Membership membership, int index, long leaseMs) {
    this.registry = registry;
    this.store = store;
    this.settings = settings;
    this.membership = membership;
    this.index = index;
    this.leaseMs = leaseMs;
    this.automergeThreads = automergeThreads;
    this.parser = new RequestParser(maxPayloadBytes);
  }

  @Override
  public Future<?> start() {
    automerge = vertx.createSharedWorkerExecutor("docsync-automerge", automergeThreads);
    events = new ServerEvents(vertx.eventBus(), registry, membership.nodeId());
    long sweepMs = Math.max(100, Math.min(settings.idleUnloadMs() / 2, 1_000));
    vertx.setPeriodic(sweepMs, id -> sweep());
    vertx.setPeriodic(Math.max(100, leaseMs / 3), id -> renewLeases());
    membership.onChange(this::membersChanged);
    consumers.add(vertx.eventBus().localConsumer(Addresses.shard(membership.nodeId(), index), this::route));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void route(Message<Object> message) {
    String api = message.headers().get(DocumentRouter.API_HEADER);
    if (Addresses.FRONTEND.equals(api)) {
      handleFrontend(message);
    } else if (Addresses.PEER.equals(api)) {
      handle(message, parser::peer);
    } else {
      DocumentAdmin.handleOnShard(this, message);
    }
  }

  /**
   * Keeps the leases of the loaded documents; a document whose lease another node took (this node was paused or
   * cut off longer than the lease) unloads without writing. A renewal that fails (database down) is retried at the
   * next tick; the writes themselves stay fenced meanwhile.
   */
  private void renewLeases() {
    Map<String, DocumentOwner> byDoc = new HashMap<>();
    List<Lease> held = new ArrayList<>();
    owners.forEach((docId, owner) -> {
      Lease lease = owner.lease();
      if (lease != null) {
        byDoc.put(docId, owner);
        held.add(lease);
      }
    });
    if (stopping || held.isEmpty()) {
      return;
    }
    renewal = store.renewLeases(membership.nodeId(), held, leaseMs).onSuccess(renewed -> {
      for (Lease lease : held) {
        DocumentOwner owner = owners.get(lease.docId().value());
        if (!renewed.contains(lease.docId()) && owner == byDoc.get(lease.docId().value()) && owner.lease() == lease) {
          owner.leaseLost();
        }
      }
    });
  }

  /** Peers waiting here for a document that another node would now load greet it there. */
  private void membersChanged() {
    List<String> live = membership.documentOwners();
    for (String docId : List.copyOf(parked.keySet())) {
      if (!live.isEmpty() && !membership.nodeId().equals(Placement.owner(docId, live))) {
        JsonObject moved = new JsonObject().put("event", "moved").put("docId", docId);
        parked.remove(docId).peers().forEach(hello -> vertx.eventBus().send(hello.address(), moved));
      }
    }
  }

  /**
   * Drains: takes no new requests, lets every document finish what it has queued and store its
   * sync states, within the shutdown timeout.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    // Requests already on their way still reach the documents loaded here; others are answered NOT_OWNER.
    return Future.join(List.copyOf(owners.values()).stream().map(DocumentOwner::shutdown).toList())
        .timeout(settings.shutdownTimeoutMs(), TimeUnit.MILLISECONDS)
        .eventually(() -> renewal.timeout(settings.shutdownTimeoutMs(), TimeUnit.MILLISECONDS)) // not left in flight
        .eventually(() -> Future.join(consumers.stream().map(MessageConsumer::unregister).toList()))
        .eventually(() -> automerge.close());
  }

  /**
   * Frontend requests, with OPEN and CLOSE counted per opener: a CLOSE of an opener that has no OPEN of
   * the document left is answered without reaching it (see {@link FrontendOpeners}).
   */
  private void handleFrontend(Message<Object> message) {
    DocRequest request = parse(message, parser::frontend);
    if (request == null) {
      return;
    }
    String docId = request.docId().value();
    String opener = Identity.opener(message.headers());
    if (request instanceof DocRequest.Close && !openers.closed(docId, opener)) {
      message.reply(new JsonObject().put("docId", docId));
      return;
    }
    if (!(request instanceof DocRequest.Open open && open.subscribe())) {
      reply(message, dispatch(request));
      return;
    }
    openers.opened(docId, opener);
    reply(message, dispatch(request).onFailure(e -> {
      // Refused before the document counted it (not loadable, overloaded, stopping): nothing to CLOSE.
      // STORE_UNAVAILABLE may come after the document counted it: then the opener's CLOSE undoes it.
      if (DocsyncException.from(e).code() != ErrorCode.STORE_UNAVAILABLE) {
        openers.closed(docId, opener);
      }
    }));
  }

  /** A greeting's answer names the node that owns the document: the peer greets again when another loads it. */
  private void handle(Message<Object> message, Function<Object, DocRequest> parse) {
    DocRequest request = parse(message, parse);
    if (request instanceof DocRequest.Hello) {
      reply(message, dispatch(request).map(answer -> answer.put("node", membership.nodeId())));
    } else if (request != null) {
      reply(message, dispatch(request));
    }
  }

  /** The request, or null once the sender has been told why not. */
  private DocRequest parse(Message<Object> message, Function<Object, DocRequest> parse) {
    try {
      return parse.apply(message.body());
    } catch (DocsyncException e) {
      events.rejected(null, e);
      Answers.refuse(message, e);
      return null;
    }
  }

  private static void reply(Message<Object> message, Future<JsonObject> answered) {
    Answers.answer(message, answered);
  }

  private Future<JsonObject> dispatch(DocRequest request) {
    String docId = request.docId().value();
    if (deleting.contains(docId)) {
      return Future.failedFuture(new DocsyncException(ErrorCode.DOC_UNAVAILABLE, "the document is being deleted"));
    }
    DocumentOwner owner = owners.get(docId);
    if (owner == null) {
      if (stopping) {
        return Future.failedFuture(new DocsyncException(ErrorCode.NOT_OWNER, "node is shutting down"));
      }
      owner = new DocumentOwner(request.docId(), this, parked.getOrDefault(docId, Parked.NONE));
      parked.remove(docId);
      owners.put(docId, owner);
      owner.start();
      evictOverBudget();
    }
    return owner.submit(request);
  }

  /**
   * Deletes a document: its owner finishes what it has queued and unloads, requests meanwhile are refused, then
   * every stored row goes; its peers and frontends are told ({@code "event": "deleted"} on their outbox and
   * change address). A peer that still holds the document and syncs it again stores it anew: that is the CRDT's
   * nature, said in the README.
   */
  Future<JsonObject> delete(DocId id) {
    String docId = id.value();
    if (!deleting.add(docId)) {
      return Future.failedFuture(new DocsyncException(ErrorCode.OVERLOADED, "already being deleted"));
    }
    DocumentOwner owner = owners.get(docId);
    Future<Void> unloaded = owner == null ? Future.succeededFuture() : owner.shutdown();
    return unloaded
        .compose(v -> store.deleteDocument(id))
        .map(rows -> {
          Parked held = parked.remove(docId);
          openers.forget(docId);
          JsonObject gone = new JsonObject().put("event", "deleted").put("docId", docId);
          List<DocRequest.Hello> peers = held == null ? List.of() : held.peers();
          peers.forEach(hello -> vertx.eventBus().send(hello.address(), gone));
          vertx.eventBus().publish(Addresses.changes(docId), gone);
          events.documentDeleted(id, rows);
          return new JsonObject().put("docId", docId).put("deleted", true).put("rows", rows).put("peersTold", peers.size());
        })
        .eventually(() -> {
          deleting.remove(docId);
          return Future.succeededFuture();
        });
  }

  /** Adds what this node holds of a document (loaded, served from storage, peers, estimated memory) to its description. */
  JsonObject describeLoaded(String docId, JsonObject item) {
    DocumentOwner owner = owners.get(docId);
    Parked held = parked.get(docId);
    return item.put("loaded", owner != null)
        .put("servedFromStorage", owner != null && owner.servedFromStorage())
        .put("peers", owner != null ? owner.peerCount() : held == null ? 0 : held.peers().size())
        .put("estimatedBytes", owner == null ? 0 : owner.estimatedBytes());
  }

  /** Unloads idle documents, then the least recently used ones while over the memory budget. */
  private void sweep() {
    long cutoff = System.currentTimeMillis() - settings.idleUnloadMs();
    for (DocumentOwner owner : List.copyOf(owners.values())) {
      if (owner.lastActivity() < cutoff) {
        owner.unloadWhenIdle();
      }
    }
    evictOverBudget();
  }

  private void evictOverBudget() {
    long excess = totalBytes - settings.memoryBudgetBytes();
    for (DocumentOwner owner : List.copyOf(owners.values())) {
      if (excess <= 0) {
        break;
      }
      owner.unloadWhenIdle();
      excess -= owner.estimatedBytes();
    }
  }

  @Override
  public void memoryChanged(long deltaBytes) {
    totalBytes += deltaBytes;
    loadedBytes = totalBytes;
    loadedCount = owners.size();
  }

  @Override
  public void peersChanged(int delta) {
    peerSessions += delta; // on the verticle's event loop only; volatile for the metrics reader
  }

  /** Peer sessions (document, peer) of the loaded documents. */
  public int peers() {
    return peerSessions;
  }

  /** Documents in memory. */
  public int loadedDocuments() {
    return loadedCount;
  }

  /** Estimated native memory of the loaded documents. */
  public long loadedBytes() {
    return loadedBytes;
  }

  public ServerEvents events() {
    return events;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public DocumentStore store() {
    return store;
  }

  @Override
  public OwnerSettings settings() {
    return settings;
  }

  @Override
  public <T> Future<T> blocking(Callable<T> work) {
    return automerge.executeBlocking(work, false);
  }

  @Override
  public void unregister(DocumentOwner owner, Parked leftBehind) {
    owners.remove(owner.docId().value(), owner);
    memoryChanged(0);
    if (!stopping && (!leftBehind.peers().isEmpty() || leftBehind.openFrontends() > 0)) {
      parked.put(owner.docId().value(), leftBehind);
    }
  }

  @Override
  public Future<JsonObject> resubmit(DocRequest request) {
    return dispatch(request);
  }

  @Override
  public String nodeId() {
    return membership.nodeId();
  }

  @Override
  public List<String> documentOwners() {
    return membership.documentOwners();
  }

  @Override
  public long leaseMs() {
    return leaseMs;
  }

  @Override
  public boolean handingOver() {
    return stopping;
  }
}
