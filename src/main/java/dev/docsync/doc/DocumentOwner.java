package dev.docsync.doc;

import dev.docsync.protocol.Base64s;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocRequest;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.protocol.Addresses;
import dev.docsync.store.Lease;
import dev.docsync.store.NotOwnerException;
import dev.docsync.store.StoredChunk;
import dev.docsync.store.SyncStateRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of a loaded document. Lives on the registry's event loop: it queues requests,
 * runs them in serial batches on the Automerge worker pool, stores the resulting changes, and
 * only then replies, sends sync messages to peers and publishes change events.
 */
final class DocumentOwner {
  private static final Logger LOG = LoggerFactory.getLogger(DocumentOwner.class);
  private static final long MAX_RETRY_DELAY_MS = 5_000;

  /** STORED: served from the stored chunks, the Automerge document not loaded (see StoredReaders). */
  private enum State { LOADING, STORED, READY, CLOSING, CLOSED }

  /** Why the owner wants to close: IDLE is called off by any new request, SHUTDOWN is not. */
  private enum CloseReason { NONE, IDLE, SHUTDOWN }

  private final DocId docId;
  private final OwnerEnvironment env;
  private final ArrayDeque<Pending> inbox = new ArrayDeque<>();
  private State state = State.LOADING;
  private LoadedDocument loaded;
  /** Our right to write the document, taken before it loads; every write is fenced by its epoch. */
  private Lease lease;
  private boolean leaseLost;
  private boolean busy;
  private boolean flushDue;
  private boolean paceDue;
  private boolean flushScheduled;
  private long paceTimer = -1;
  private long lastActivity = System.currentTimeMillis();
  private CloseReason closeReason = CloseReason.NONE;
  private final Promise<Void> closed = Promise.promise();
  private final Parked parked;
  private long estimatedBytes;
  private int peerCount;
  private final List<Long> chunkIds = new ArrayList<>();
  private long snapshotBytes;
  private long incrementalBytes;
  /** While STORED: the stored document and the peers it was sent to. */
  private StoredReaders stored;
  /** Sync states of the peers served from storage, for their greeting once the document loads, by peer id. */
  private final Map<String, byte[]> sentWhole = new HashMap<>();

  DocumentOwner(DocId docId, OwnerEnvironment env, Parked parked) {
    this.docId = docId;
    this.env = env;
    this.parked = parked;
  }

  DocId docId() {
    return docId;
  }

  void start() {
    env.store().acquireLease(docId, env.nodeId(), env.documentOwners(), env.leaseMs())
        .compose(acquired -> {
          lease = acquired;
          return env.store().loadChunks(docId);
        })
        .recover(e -> Future.failedFuture(e instanceof NotOwnerException || e instanceof DocsyncException ? e
            : new DocsyncException(ErrorCode.STORE_UNAVAILABLE, "cannot read document " + docId + ": " + e.getMessage(), e)))
        .compose(this::serveOrLoad)
        .onFailure(this::loadFailed);
  }

  /**
   * New, empty peers waiting for the document get it whole from the stored chunks, and nothing is loaded while all
   * that is asked can be answered so (see StoredReaders): on a large document the load is most of a cold fetch,
   * and most of the memory a reader costs.
   */
  private Future<Void> serveOrLoad(List<StoredChunk> chunks) {
    if (chunks.isEmpty() || inbox.stream().map(Pending::request).noneMatch(StoredReaders::wantsWholeDocument)) {
      return load(chunks);
    }
    return env.blocking(() -> {
          WholeDocumentMessage whole = WholeDocumentMessage.of(chunks);
          return whole == null || whole.estimatedBytes() > env.settings().docMaxBytes() ? null
              : new StoredReaders(chunks, whole);
        })
        .otherwise(e -> {
          LOG.warn("Document {} not served from storage: {}", docId, e.getMessage());
          return null;
        })
        .compose(readers -> {
          if (readers == null) {
            return load(chunks);
          }
          stored = readers;
          state = State.STORED;
          setEstimatedBytes(stored.bytes());
          env.events().documentLoaded(docId);
          serveStored();
          return Future.succeededFuture();
        });
  }

  private Future<Void> load(List<StoredChunk> chunks) {
    return env.blocking(() -> {
          LoadedDocument doc = LoadedDocument.load(docId, chunks, env.settings().docMaxBytes());
          doc.restoreFrontends(parked.openFrontends());
          trackChunks(chunks);
          return doc;
        })
        .onSuccess(doc -> {
          loaded = doc;
          setEstimatedBytes(doc.estimatedBytes());
          state = State.READY;
          greetParkedPeers();
          env.events().documentLoaded(docId);
          drain();
          maybeClose();
        })
        .mapEmpty();
  }

  /**
   * Answers, in order, what the stored document can answer; the first request that needs the Automerge document
   * loads it (the peers served so far are greeted first, as sharing the stored heads). Peers and frontends of an
   * earlier load need it at once.
   */
  private void serveStored() {
    if (leaseLost) {
      failAll(new DocsyncException(ErrorCode.NOT_OWNER, "document " + docId + " has a new owner"));
      return;
    }
    Pending pending;
    while ((pending = inbox.peek()) != null && answerStored(pending)) {
      inbox.poll();
      lastActivity = System.currentTimeMillis();
    }
    if (pending != null || !parked.peers().isEmpty() || parked.openFrontends() > 0) {
      loadStored();
      return;
    }
    setPeerCount(stored.peers().size());
    maybeClose();
  }

  private boolean answerStored(Pending pending) {
    DocRequest request = pending.request();
    if (StoredReaders.wantsWholeDocument(request)) {
      DocRequest.Hello hello = (DocRequest.Hello) request;
      sendSync(hello.address(), hello.peerId(), stored.encodedMessage());
      env.events().wholeDocumentSent(hello.message().length, stored.whole().message().length);
      stored.add(hello);
      pending.reply().tryComplete(storedHeadsAnswer());
    } else if (request instanceof DocRequest.Sync sync && stored.acknowledges(sync)) {
      env.events().syncTraffic(sync.message().length, 0, 0, 0);
      pending.reply().tryComplete(storedHeadsAnswer());
    } else if (request instanceof DocRequest.Bye bye && stored.remove(bye.peerId())) {
      pending.reply().tryComplete(new JsonObject().put("docId", docId.value()).put("peerId", bye.peerId()));
    } else {
      return false;
    }
    env.events().replied(pending.receivedNanos());
    return true;
  }

  /** What a HELLO or SYNC is answered with, as a loaded document answers it: its id and heads. */
  private JsonObject storedHeadsAnswer() {
    return new JsonObject().put("docId", docId.value()).put("heads", stored.headsJson());
  }

  /** The peers served from storage come first, greeted as sharing the stored heads; then what is queued. */
  private void loadStored() {
    state = State.LOADING;
    List<DocRequest> greetings = stored.greetings();
    for (int i = greetings.size() - 1; i >= 0; i--) {
      inbox.addFirst(new Pending(greetings.get(i), Promise.promise()));
    }
    stored.peers().forEach(hello -> sentWhole.put(hello.peerId(), stored.whole().syncState()));
    List<StoredChunk> chunks = stored.chunks();
    stored = null;
    load(chunks).onFailure(this::loadFailed);
  }

  private void sendSync(String address, String peerId, String message) {
    env.vertx().eventBus().send(address, new JsonObject()
        .put("type", "SYNC").put("docId", docId.value()).put("peerId", peerId).put("message", message));
  }

  private void trackChunks(List<StoredChunk> chunks) {
    for (StoredChunk chunk : chunks) {
      chunkIds.add(chunk.id());
      if (chunk.kind() == StoredChunk.Kind.SNAPSHOT) {
        snapshotBytes += chunk.data().length;
      } else {
        incrementalBytes += chunk.data().length;
      }
    }
  }

  /** Peers of the last time the document was loaded come back first, from their stored sync states. */
  private void greetParkedPeers() {
    for (DocRequest.Hello hello : parked.peers()) {
      inbox.addFirst(new Pending(hello, Promise.promise()));
    }
  }

  /**
   * Nothing is served from a document that failed to load, and nothing is written over it. Another node's lease is
   * no failure: every request is answered NOT_OWNER naming that node (routers send it there), and the peers parked
   * here are told to greet the document again, where it lives now.
   */
  private void loadFailed(Throwable cause) {
    state = State.CLOSED;
    if (cause instanceof NotOwnerException notOwner) {
      LOG.debug("Document {} not loaded: {}", docId, notOwner.getMessage());
      env.unregister(this, Parked.NONE);
      tellMoved(parked);
      failAll(notOwner(notOwner));
    } else {
      DocsyncException error = DocsyncException.from(cause);
      LOG.error("Document {} failed to load: {}", docId, error.getMessage());
      env.unregister(this, parked);
      failAll(error);
    }
    if (lease != null) {
      env.store().releaseLease(lease);
    }
    closed.tryComplete();
  }

  /** The answer to a request this node cannot serve: retryable, naming the holder when known (see DocumentRouter). */
  static DocsyncException notOwner(NotOwnerException e) {
    return new DocsyncException(ErrorCode.NOT_OWNER, e.holder() == null ? e.getMessage()
        : "document " + e.docId() + " is owned by another node " + DocumentRouter.HOLDER_PREFIX + e.holder());
  }

  /** Peers of a document that lives elsewhere now greet it again there ({@code "event": "moved"}). */
  private void tellMoved(Parked left) {
    JsonObject moved = new JsonObject().put("event", "moved").put("docId", docId.value());
    left.peers().forEach(hello -> env.vertx().eventBus().send(hello.address(), moved));
  }

  /** The renewal found the lease gone (another node took the document over): unload without writing anything. */
  void leaseLost() {
    if (state == State.CLOSED || leaseLost) {
      return;
    }
    leaseLost = true;
    LOG.warn("Lease of {} lost to another node (epoch {}): unloading it", docId, lease == null ? "-" : lease.epoch());
    closeReason = CloseReason.SHUTDOWN;
    maybeClose();
  }

  Lease lease() {
    return state == State.STORED || state == State.READY || state == State.CLOSING ? lease : null;
  }

  Future<JsonObject> submit(DocRequest request) {
    if (state == State.CLOSED) {
      return env.resubmit(request);
    }
    if (closeReason == CloseReason.IDLE) {
      closeReason = CloseReason.NONE;
    }
    if (inbox.size() >= env.settings().queueLimit()) {
      return Future.failedFuture(new DocsyncException(ErrorCode.OVERLOADED,
          "document " + docId + " has " + inbox.size() + " requests waiting; retry later"));
    }
    Promise<JsonObject> reply = Promise.promise();
    inbox.add(new Pending(request, reply));
    lastActivity = System.currentTimeMillis();
    drain();
    return reply.future();
  }

  private void drain() {
    if (state == State.STORED) {
      serveStored();
      return;
    }
    if (leaseLost && !busy && state == State.READY) {
      failAll(new DocsyncException(ErrorCode.NOT_OWNER, "document " + docId + " has a new owner"));
      return;
    }
    if (busy || state != State.READY || (inbox.isEmpty() && !flushDue && !paceDue)) {
      return;
    }
    busy = true;
    List<Pending> batch = takeBatch();
    boolean flush = flushDue;
    boolean unpaced = closeReason != CloseReason.NONE;
    flushDue = false;
    paceDue = false;
    prefetchSyncStates(batch)
        .compose(stored -> env.blocking(() -> loaded.apply(batch, stored, flush, env.settings(), unpaced)))
        .compose(this::persist)
        .onComplete(ar -> {
          if (ar.failed()) {
            DocsyncException error = DocsyncException.from(ar.cause());
            if (error.code() == ErrorCode.NOT_OWNER) {
              LOG.info("Document {} was taken over by another node: its last batch goes there", docId);
            } else {
              LOG.error("Batch on {} failed: {}", docId, error.getMessage(), ar.cause());
            }
            batch.forEach(p -> p.reply().tryFail(error));
          }
          busy = false;
          lastActivity = System.currentTimeMillis();
          drain();
          maybeClose();
        });
  }

  private List<Pending> takeBatch() {
    int size = Math.min(inbox.size(), env.settings().batchMax());
    List<Pending> batch = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      batch.add(inbox.poll());
    }
    return batch;
  }

  /**
   * HELLO of a peer with a storage key resumes from the stored sync state; one sent the whole document from storage
   * shares its heads. By peer id.
   */
  private Future<Map<String, byte[]>> prefetchSyncStates(List<Pending> batch) {
    Map<String, byte[]> stored = new HashMap<>();
    List<Future<?>> loads = new ArrayList<>();
    for (Pending pending : batch) {
      if (!(pending.request() instanceof DocRequest.Hello hello)) {
        continue;
      }
      byte[] whole = sentWhole.remove(hello.peerId());
      if (whole != null) {
        stored.put(hello.peerId(), whole);
      } else if (hello.storageKey() != null) {
        loads.add(env.store().loadSyncState(docId, hello.storageKey())
            .onSuccess(bytes -> stored.put(hello.peerId(), bytes)));
      }
    }
    return Future.all(loads).map(v -> stored);
  }

  private Future<Void> persist(BatchResult result) {
    setEstimatedBytes(result.estimatedBytes);
    setPeerCount(result.peers);
    return storeChunk(result)
        .compose(v -> storeSyncStates(result))
        .andThen(ar -> {
          if (ar.succeeded()) {
            deliver(result);
          }
        })
        .compose(v -> maybeCompact());
  }

  private Future<Void> storeChunk(BatchResult result) {
    if (result.chunk == null) {
      return Future.succeededFuture();
    }
    Promise<Void> stored = Promise.promise();
    appendWithRetry(result, stored, 0);
    return stored.future();
  }

  /**
   * A chunk that could not be stored is retried until it is: its changes are in memory and the
   * document takes nothing new meanwhile. The requests of the batch are told at once that their
   * changes are not (yet) durable, so nothing unstored is ever acknowledged.
   */
  private void appendWithRetry(BatchResult result, Promise<Void> stored, int attempt) {
    long started = System.nanoTime();
    env.store().appendChunk(lease, result.chunk).onComplete(ar -> {
      if (ar.succeeded()) {
        chunkIds.add(ar.result());
        incrementalBytes += result.chunk.length;
        loaded.markStored(result.heads);
        env.events().changeStored(docId, result.chunk.length, System.nanoTime() - started);
        stored.complete();
        return;
      }
      if (ar.cause() instanceof NotOwnerException notOwner) {
        // Another node owns the document now: these changes were not stored here, their senders retry there.
        result.replies.forEach(r -> r.pending().reply().tryFail(notOwner(notOwner)));
        leaseLost = true;
        closeReason = CloseReason.SHUTDOWN;
        stored.fail(notOwner(notOwner));
        return;
      }
      if (attempt == 0) {
        LOG.warn("Storing changes of {} failed, retrying until it works: {}", docId, ar.cause().getMessage());
        DocsyncException error = new DocsyncException(ErrorCode.STORE_UNAVAILABLE, "changes not stored: " + ar.cause().getMessage());
        result.replies.forEach(r -> r.pending().reply().tryFail(error));
      }
      long delay = Math.min(MAX_RETRY_DELAY_MS, 50L << Math.min(attempt, 10));
      env.vertx().setTimer(delay, id -> appendWithRetry(result, stored, attempt + 1));
    });
  }

  private Future<Void> storeSyncStates(BatchResult result) {
    if (result.syncStates.isEmpty()) {
      return Future.succeededFuture();
    }
    return env.store().saveSyncStates(lease, result.syncStates)
        .onSuccess(v -> env.events().syncStatesSaved(docId, result.syncStates.size()))
        .recover(e -> {
      if (e instanceof NotOwnerException notOwner) {
        result.replies.forEach(r -> r.pending().reply().tryFail(notOwner(notOwner)));
        leaseLost = true;
        closeReason = CloseReason.SHUTDOWN;
        return Future.failedFuture(notOwner(notOwner));
      }
      LOG.warn("Storing sync states of {} failed: {}", docId, e.getMessage());
      DocsyncException error = new DocsyncException(ErrorCode.STORE_UNAVAILABLE, "sync state not stored: " + e.getMessage());
      result.replies.stream().filter(r -> r.pending().request() instanceof DocRequest.Bye)
          .forEach(r -> r.pending().reply().tryFail(error));
      return Future.succeededFuture();
    });
  }

  /** Replies, sync messages and events leave only after the changes are durable. */
  private void deliver(BatchResult result) {
    env.events().syncTraffic(result.syncBytesIn, result.outgoing.stream().mapToLong(o -> o.message().length).sum(),
        result.outgoing.size(), result.heldWhileBusy);
    for (BatchResult.Outgoing out : result.outgoing) {
      sendSync(out.address(), out.peerId(), Base64s.encode(out.message()));
    }
    if (result.changeEvent != null) {
      env.vertx().eventBus().publish(Addresses.changes(docId.value()), result.changeEvent);
    }
    for (BatchResult.Reply reply : result.replies) {
      if (reply.error() != null) {
        env.events().rejected(docId, reply.error());
        reply.pending().reply().tryFail(reply.error());
      } else {
        reply.pending().reply().tryComplete(reply.body());
      }
      env.events().replied(reply.pending().receivedNanos());
    }
    if (result.syncStatesDirty) {
      scheduleSyncStateFlush();
    }
    if (result.paceAgainNanos > 0) {
      schedulePacedStep(result.paceAgainNanos);
    }
  }

  /** A step with nothing queued still sends what pacing held back, once the pace runs out. */
  private void schedulePacedStep(long nanos) {
    if (paceTimer >= 0) {
      return;
    }
    paceTimer = env.vertx().setTimer(Math.max(1, nanos / 1_000_000), id -> {
      paceTimer = -1;
      paceDue = true;
      drain();
    });
  }

  private void scheduleSyncStateFlush() {
    if (flushScheduled) {
      return;
    }
    flushScheduled = true;
    env.vertx().setTimer(env.settings().syncStateFlushMs(), id -> {
      flushScheduled = false;
      flushDue = true;
      drain();
    });
  }

  /** Folds all chunks into one snapshot once the incremental part outgrows it; deletes only what it folded. */
  private Future<Void> maybeCompact() {
    OwnerSettings settings = env.settings();
    // One large incremental chunk counts too: a document imported or restored in one piece would otherwise be
    // replayed change by change at every load, never compacted.
    boolean due = incrementalBytes > 0
        && (incrementalBytes >= Math.max(snapshotBytes, settings.compactMinBytes()) || chunkIds.size() > settings.compactMaxChunks());
    if (!due) {
      return Future.succeededFuture();
    }
    List<Long> folded = List.copyOf(chunkIds);
    return env.blocking(loaded::save)
        .compose(snapshot -> env.store().replaceWithSnapshot(lease, snapshot, folded).map(id -> {
          chunkIds.removeAll(folded);
          chunkIds.add(0, id);
          snapshotBytes = snapshot.length;
          incrementalBytes = 0;
          env.events().compacted(docId, folded.size(), snapshot.length);
          return (Void) null;
        }))
        .recover(e -> {
          if (e instanceof NotOwnerException) {
            leaseLost = true;
            closeReason = CloseReason.SHUTDOWN;
          } else {
            LOG.warn("Compaction of {} failed, will try again later: {}", docId, e.getMessage());
          }
          return Future.succeededFuture();
        });
  }

  /** Its peers were sent the stored document and the Automerge document is not loaded (see StoredReaders). */
  boolean servedFromStorage() {
    return state == State.STORED;
  }

  long lastActivity() {
    return lastActivity;
  }

  int peerCount() {
    return peerCount;
  }

  long estimatedBytes() {
    return estimatedBytes;
  }

  private void setEstimatedBytes(long bytes) {
    env.memoryChanged(bytes - estimatedBytes);
    estimatedBytes = bytes;
  }

  private void setPeerCount(int peers) {
    env.peersChanged(peers - peerCount);
    peerCount = peers;
  }

  /** Unloads the document once it has nothing to do, unless a request comes first. */
  void unloadWhenIdle() {
    if (closeReason == CloseReason.NONE && state != State.CLOSED) {
      closeReason = CloseReason.IDLE;
      maybeClose();
    }
  }

  /** Finishes what is queued, then unloads. Completes when the document is unloaded. */
  Future<Void> shutdown() {
    closeReason = CloseReason.SHUTDOWN;
    maybeClose();
    return closed.future();
  }

  private void maybeClose() {
    if (closeReason == CloseReason.NONE || (state != State.READY && state != State.STORED) || busy || !inbox.isEmpty()) {
      return;
    }
    if (paceTimer >= 0) {
      // What pacing holds back goes first (a closing owner's step is unpaced); that step calls us again.
      env.vertx().cancelTimer(paceTimer);
      paceTimer = -1;
      paceDue = true;
      drain();
      return;
    }
    Future<LoadedDocument.Unloaded> unloading = state == State.STORED ? Future.succeededFuture(unloadStored())
        : env.blocking(loaded::unload);
    state = State.CLOSING;
    busy = true;
    unloading
        .compose(unloaded -> leaseLost ? Future.succeededFuture(unloaded.parked())
            : storeFinalSyncStates(unloaded.syncStates()).map(unloaded.parked()))
        .onComplete(ar -> {
          state = State.CLOSED;
          setEstimatedBytes(0);
          setPeerCount(0);
          Parked left = ar.succeeded() ? ar.result() : Parked.NONE;
          if (leaseLost) {
            env.events().leaseLost(docId);
          } else if (env.handingOver()) {
            env.events().handedOver(docId);
          }
          if (leaseLost || env.handingOver()) {
            // The document lives elsewhere next: its peers greet it there, nobody waits for it here.
            tellMoved(left);
            left = Parked.NONE;
          }
          env.unregister(this, left);
          // Closed once the release is written: a stopping shard must not leave a query behind on its context.
          Future<Void> released = !leaseLost && left.peers().isEmpty() && left.openFrontends() == 0
              ? env.store().releaseLease(lease).recover(e -> Future.succeededFuture()) : Future.succeededFuture();
          env.events().documentUnloaded(docId);
          released.onComplete(r -> closed.tryComplete());
          resubmitLeftovers();
        });
  }

  /** The peers served from storage are parked like those of a loaded document, sharing the stored heads. */
  private LoadedDocument.Unloaded unloadStored() {
    LoadedDocument.Unloaded unloaded = new LoadedDocument.Unloaded(stored.syncStates(docId),
        new Parked(List.copyOf(stored.peers()), 0));
    stored = null;
    return unloaded;
  }

  /** Requests that arrived while unloading go to the next owner of the document. */
  private void resubmitLeftovers() {
    Pending pending;
    while ((pending = inbox.poll()) != null) {
      env.resubmit(pending.request()).onComplete(pending.reply());
    }
  }

  private Future<Void> storeFinalSyncStates(List<SyncStateRecord> states) {
    return env.store().saveSyncStates(lease, states)
        .onSuccess(v -> {
          if (!states.isEmpty()) {
            env.events().syncStatesSaved(docId, states.size());
          }
        })
        .onFailure(e -> LOG.warn("Final sync states of {} not stored: {}", docId, e.getMessage()));
  }

  private void failAll(DocsyncException error) {
    Pending pending;
    while ((pending = inbox.poll()) != null) {
      pending.reply().tryFail(error);
    }
  }
}
