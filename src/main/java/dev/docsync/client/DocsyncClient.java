package dev.docsync.client;

import dev.docsync.client.ConnectionStatus.State;
import dev.docsync.transport.ws.RepoWsClient;
import dev.docsync.transport.ws.WsMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.automerge.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JVM client of docsync (or of any automerge-repo sync server, e.g. the Node reference server): it speaks
 * the automerge-repo protocol over WebSocket ({@link RepoWsClient}, the code outbound peering uses), keeps
 * real Automerge documents in this JVM, reconnects by itself (exponential backoff with jitter), reports its
 * {@link ConnectionStatus}, keeps working offline, and with a storage directory resumes after a restart
 * exchanging only what changed, as a browser with IndexedDB does.
 *
 * <pre>{@code
 * try (DocsyncClient client = DocsyncClient.connect("http://localhost:8080", token)) {
 *   DocHandle doc = client.create();
 *   doc.change(tx -> tx.set(ObjectId.ROOT, "title", "Hello"));
 *   DocHandle other = client.find("automerge:4Xz1dqN5LA7dXpKwHEeeakqwYiUR").toCompletionStage().toCompletableFuture().get();
 * }
 * }</pre>
 *
 * All network work runs on one Vert.x event-loop context; public methods may be called from any thread.
 */
public final class DocsyncClient implements AutoCloseable {
  static final Logger LOG = LoggerFactory.getLogger(DocsyncClient.class);
  /** Changes are written to the storage directory at most this often per document. */
  private static final long PERSIST_DELAY_MS = 100;
  /** Chunks are folded into a snapshot once they outweigh it (and this much), as automerge-repo does. */
  private static final long COMPACT_MIN_BYTES = 1024;
  /** How often whenSynced() asks the server for its heads until it has ours. */
  private static final long CONFIRM_INTERVAL_MS = 1000;

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final Context context;
  private final ClientOptions options;
  private final LocalStore store;
  private final String peerId = "java-" + UUID.randomUUID().toString().substring(0, 12);
  private final String sessionId = UUID.randomUUID().toString();
  private final Map<String, DocHandle> handles = new ConcurrentHashMap<>();
  private final List<Consumer<ConnectionStatus>> statusListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> errorListeners = new CopyOnWriteArrayList<>();
  private volatile ConnectionStatus status = ConnectionStatus.of(State.CONNECTING);
  /** Bytes of connections that ended; the live one counts its own. */
  private volatile long bytesInBefore;
  private volatile long bytesOutBefore;
  private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
  // Written on the context only:
  private volatile RepoWsClient ws;
  private String serverStorageId;
  private long backoffMs;
  private long retryTimer = -1;
  private long ephemeralCount;
  private String lastServerError;
  private volatile boolean closed;

  private DocsyncClient(Vertx vertx, boolean ownsVertx, ClientOptions options) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.options = options;
    this.store = options.storageDir() == null ? null : LocalStore.open(options.storageDir());
    this.backoffMs = options.minBackoff().toMillis();
    this.context = vertx.getOrCreateContext();
    context.runOnContext(v -> dial());
  }

  /** Connects (in the background) to a server's HTTP address, e.g. {@code http://localhost:8080}, with a token (or null). */
  public static DocsyncClient connect(String server, String token) {
    return connect(ClientOptions.of(server, token));
  }

  /** With a Vert.x instance of its own, closed with the client. */
  public static DocsyncClient connect(ClientOptions options) {
    return new DocsyncClient(Vertx.vertx(), true, options);
  }

  /** On an application's own Vert.x instance (left open on close). */
  public static DocsyncClient connect(Vertx vertx, ClientOptions options) {
    return new DocsyncClient(vertx, false, options);
  }

  public ConnectionStatus status() {
    return status;
  }

  /** Called with the current status, then with every change, on the client's event loop. */
  public DocsyncClient onStatus(Consumer<ConnectionStatus> listener) {
    onContext(() -> {
      statusListeners.add(listener);
      listener.accept(status);
    });
    return this;
  }

  /** Called with the text of every {@code error} message the server sends (a refused change, a limit). */
  public DocsyncClient onError(Consumer<String> listener) {
    errorListeners.add(listener);
    return this;
  }

  /** Completes at the next ONLINE (at once if online); fails if the server refuses the client first. */
  public Future<Void> online() {
    Promise<Void> promise = Promise.promise();
    Consumer<ConnectionStatus> watcher = s -> {
      if (s.state() == State.ONLINE) {
        promise.tryComplete();
      } else if (s.state() == State.REFUSED) {
        promise.tryFail(new IllegalStateException("refused: " + s.reason()));
      }
    };
    statusListeners.add(watcher);
    watcher.accept(status);
    return promise.future().onComplete(ar -> statusListeners.remove(watcher));
  }

  /** A new document with a fresh automerge-repo id; usable at once, sent to the server when online. */
  public DocHandle create() {
    return create(DocumentIds.generate());
  }

  /** A new, empty document under a chosen id (e.g. one your server picked and minted a token for). */
  public DocHandle create(String docIdOrUrl) {
    String docId = DocumentIds.parse(docIdOrUrl);
    DocHandle handle = new DocHandle(this, docId, new Document());
    if (handles.putIfAbsent(docId, handle) != null) {
      handle.free();
      throw new IllegalStateException("document " + docId + " is already open in this client");
    }
    handle.markReady();
    onContext(() -> {
      if (ws != null) {
        startSync(handle);
      }
    });
    return handle;
  }

  /**
   * Opens a document by id or {@code automerge:} URL: from the storage directory when it is there (at once, synced
   * in the background), else from the server (completes once its content arrived). Fails with
   * {@link DocumentUnavailableException} when the server has no such document or the token does not open it.
   * Offline and not stored, it waits for the connection: add {@code .timeout(...)} to bound it.
   */
  public Future<DocHandle> find(String docIdOrUrl) {
    String docId;
    try {
      docId = DocumentIds.parse(docIdOrUrl);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Promise<DocHandle> result = Promise.promise();
    onContext(() -> {
      DocHandle open = handles.get(docId);
      if (open != null) {
        open.ready().onComplete(result);
        return;
      }
      Future<Stored> stored = store == null ? Future.succeededFuture(null) : vertx.executeBlocking(() -> Stored.load(store, docId));
      stored.onComplete(ar -> opened(docId, ar.succeeded() ? ar.result() : null, ar.cause()).onComplete(result));
    });
    return result.future();
  }

  /** The documents open in this client. */
  public List<DocHandle> documents() {
    return List.copyOf(handles.values());
  }

  /** Dials again now (after REFUSED, e.g. once the token supplier has a fresh token). */
  public void reconnect() {
    onContext(() -> {
      if (ws == null && !closed) {
        cancelRetry();
        backoffMs = options.minBackoff().toMillis();
        dial();
      }
    });
  }

  /** WebSocket bytes received and sent since the client started, every connection together. */
  public long bytesReceived() {
    RepoWsClient socket = ws;
    return bytesInBefore + (socket == null ? 0 : socket.bytesIn());
  }

  public long bytesSent() {
    RepoWsClient socket = ws;
    return bytesOutBefore + (socket == null ? 0 : socket.bytesOut());
  }

  public String peerId() {
    return peerId;
  }

  /** Says goodbye to presence peers, stores every document (with a storage directory), and disconnects. */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    onContext(() -> {
      closed = true;
      cancelRetry();
      List<Future<Void>> stored = new ArrayList<>();
      for (DocHandle handle : handles.values()) {
        handle.presence().shutdown();
        stored.add(persist(handle));
      }
      Future.join(stored)
          .eventually(() -> ws == null ? Future.succeededFuture() : ws.close())
          .onComplete(ar -> {
            handles.values().forEach(DocHandle::free);
            handles.clear();
            done.complete(null);
          });
    });
    try {
      if (Vertx.currentContext() != context) { // on the client's own event loop, waiting would wait for itself
        done.get(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      LOG.warn("docsync client did not close cleanly: {}", e.toString());
    }
    if (ownsVertx) {
      vertx.close();
    }
  }

  // ---------------------------------------------------------------- connection

  private void dial() {
    if (closed) {
      return;
    }
    retryTimer = -1;
    setStatus(ConnectionStatus.of(State.CONNECTING));
    String token = options.token() == null ? null : options.token().get();
    WsMessage.PeerMetadata metadata = new WsMessage.PeerMetadata(store == null ? null : store.storageId(), store == null);
    RepoWsClient.connect(vertx, options.webSocketUrl(token), peerId, metadata, options.maxMessageBytes())
        .onComplete(ar -> {
          if (ar.succeeded()) {
            joined(ar.result());
          } else {
            dialFailed(ar.cause());
          }
        });
  }

  private void joined(RepoWsClient joined) {
    if (closed) {
      joined.close();
      return;
    }
    ws = joined;
    lastServerError = null;
    backoffMs = options.minBackoff().toMillis();
    WsMessage.PeerMetadata server = joined.server().peerMetadata();
    serverStorageId = server != null && server.durable() ? server.storageId() : null;
    joined.handler(this::receive).closeHandler(() -> disconnected(joined));
    setStatus(ConnectionStatus.of(State.ONLINE));
    for (DocHandle handle : handles.values()) {
      startSync(handle);
      handle.presence().reannounce();
    }
  }

  private void dialFailed(Throwable cause) {
    String refusal = refusal(cause);
    if (refusal != null) {
      LOG.warn("{} refused this client: {}", options.server(), refusal);
      setStatus(new ConnectionStatus(State.REFUSED, refusal));
      handles.values().forEach(h -> h.fail(new DocumentUnavailableException(h.documentId(), "refused: " + refusal)));
      return;
    }
    setStatus(new ConnectionStatus(State.OFFLINE, describe(cause)));
    retryLater();
  }

  /** A refused token (or grant) is final until reconnect(); limits and overload are worth retrying. */
  private static String refusal(Throwable cause) {
    if (cause instanceof RepoWsClient.JoinRefused refused
        && (refused.reason().startsWith("UNAUTHENTICATED") || refused.reason().startsWith("FORBIDDEN"))) {
      return refused.reason();
    }
    if (cause instanceof UpgradeRejectedException rejected && (rejected.getStatus() == 401 || rejected.getStatus() == 403)) {
      return "HTTP " + rejected.getStatus() + " at the WebSocket upgrade";
    }
    return null;
  }

  private String describe(Throwable cause) {
    if (cause instanceof RepoWsClient.JoinRefused refused) {
      return refused.reason();
    }
    String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return "cannot reach " + options.server() + ": " + message;
  }

  private void disconnected(RepoWsClient closedSocket) {
    if (ws != closedSocket) {
      return;
    }
    bytesInBefore += closedSocket.bytesIn();
    bytesOutBefore += closedSocket.bytesOut();
    ws = null;
    for (DocHandle handle : handles.values()) {
      handle.disconnect();
      handle.presence().forgetPeers();
      schedulePersist(handle);
    }
    if (closed) {
      return;
    }
    setStatus(new ConnectionStatus(State.OFFLINE, lastServerError != null ? lastServerError : "connection closed"));
    retryLater();
  }

  private void retryLater() {
    if (closed || retryTimer >= 0) {
      return;
    }
    long delay = Math.max(1, (long) (backoffMs * (0.5 + ThreadLocalRandom.current().nextDouble() * 0.5)));
    backoffMs = Math.min(backoffMs * 2, options.maxBackoff().toMillis());
    retryTimer = vertx.setTimer(delay, id -> dial());
  }

  private void cancelRetry() {
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
  }

  private void setStatus(ConnectionStatus next) {
    if (next.equals(status)) {
      return;
    }
    status = next;
    statusListeners.forEach(l -> {
      try {
        l.accept(next);
      } catch (RuntimeException e) {
        LOG.warn("A status listener failed", e);
      }
    });
  }

  // ---------------------------------------------------------------- documents

  private record Stored(byte[] bytes, long lastChunk, Map<String, byte[]> syncStates) {
    static Stored load(LocalStore store, String docId) throws java.io.IOException {
      byte[] bytes = store.load(docId);
      return bytes == null ? null : new Stored(bytes, store.lastChunk(docId), store.loadSyncStates(docId));
    }
  }

  private Future<DocHandle> opened(String docId, Stored stored, Throwable loadFailure) {
    if (loadFailure != null) {
      LOG.warn("Stored copy of {} unreadable; fetching it from the server: {}", docId, loadFailure.toString());
    }
    DocHandle open = handles.get(docId);
    if (open != null) {
      return open.ready();
    }
    Document doc;
    try {
      doc = stored == null ? new Document() : Document.load(stored.bytes());
    } catch (RuntimeException e) {
      LOG.warn("Stored copy of {} does not load; fetching it from the server: {}", docId, e.toString());
      stored = null;
      doc = new Document();
    }
    DocHandle handle = new DocHandle(this, docId, doc);
    if (stored != null) {
      handle.storedHeads = doc.getHeads();
      handle.storedChunk = stored.lastChunk();
      handle.snapshotBytes = stored.bytes().length;
      handle.restoreSyncStates(stored.syncStates());
      if (handle.storedHeads.length > 0) {
        handle.markReady();
      }
    }
    handles.put(docId, handle);
    if (ws != null) {
      startSync(handle);
    } else if (status.state() == State.REFUSED) {
      handle.fail(new DocumentUnavailableException(docId, "refused: " + status.reason()));
    }
    return handle.ready();
  }

  private void startSync(DocHandle handle) {
    handle.connect(serverStorageId, null);
    flush(handle);
  }

  /** Sends the document's next sync message, if it has one (a request while it is empty). */
  private void flush(DocHandle handle) {
    handle.flushScheduled = false;
    if (ws == null || handle.isClosed()) {
      return;
    }
    byte[] message = handle.nextMessage();
    if (message == null) {
      return;
    }
    String server = ws.server().senderId();
    WsMessage out = handle.empty() && !handle.isReady()
        ? new WsMessage.Request(peerId, server, handle.documentId(), message)
        : new WsMessage.Sync(peerId, server, handle.documentId(), message);
    send(out);
  }

  private void send(WsMessage message) {
    RepoWsClient socket = ws;
    if (socket != null) {
      socket.send(message);
    }
  }

  private void receive(WsMessage message) {
    if (message instanceof WsMessage.Sync sync) {
      synced(sync.documentId(), sync.data());
    } else if (message instanceof WsMessage.Request request) {
      synced(request.documentId(), request.data());
    } else if (message instanceof WsMessage.DocUnavailable unavailable) {
      unavailable(unavailable.documentId());
    } else if (message instanceof WsMessage.Ephemeral ephemeral) {
      DocHandle handle = handles.get(ephemeral.documentId());
      if (handle != null) {
        handle.presence().receive(ephemeral.senderId(), ephemeral.data());
      }
    } else if (message instanceof WsMessage.Error error) {
      serverError(error.message() == null ? "" : error.message());
    }
  }

  private void synced(String docId, byte[] data) {
    DocHandle handle = handles.get(docId);
    if (handle == null) {
      return; // not ours (any more)
    }
    DocChange change;
    try {
      change = handle.receive(data);
    } catch (RuntimeException e) {
      LOG.warn("Sync message for {} from the server refused by Automerge: {}", docId, e.toString());
      return;
    }
    flush(handle);
    if (change != null) {
      if (!handle.empty()) {
        handle.markReady();
      }
      handle.fire(change);
    }
    schedulePersist(handle);
    handle.checkSyncWaiters();
  }

  private void unavailable(String docId) {
    DocHandle handle = handles.get(docId);
    if (handle == null || handle.isReady()) {
      return;
    }
    String why = handle.lastError != null ? handle.lastError : "unknown document " + docId + ": the server does not have it";
    handles.remove(docId, handle);
    handle.fail(new DocumentUnavailableException(docId, why));
    handle.free();
  }

  private void serverError(String text) {
    LOG.info("{} says: {}", options.server(), text);
    if (text.startsWith("UNAUTHENTICATED")) {
      lastServerError = text;
    }
    for (DocHandle handle : handles.values()) {
      if (text.contains(handle.documentId())) {
        handle.lastError = text;
        if (text.startsWith("FORBIDDEN")) {
          handle.failSyncWaiters(new IllegalStateException(text));
        }
      }
    }
    errorListeners.forEach(l -> l.accept(text));
  }

  // ---------------------------------------------------------------- for handles and presence

  Vertx vertx() {
    return vertx;
  }

  /** Runs on the client's context: at once when already there, else queued. */
  void onContext(Runnable task) {
    if (Vertx.currentContext() == context) {
      task.run();
    } else {
      context.runOnContext(v -> task.run());
    }
  }

  /** A local change: listeners, then one sync message for however many changes a burst made, then storage. */
  void changedLocally(DocHandle handle, DocChange change) {
    onContext(() -> {
      if (change != null) {
        handle.fire(change);
      }
      if (!handle.flushScheduled) {
        handle.flushScheduled = true;
        context.runOnContext(v -> flush(handle));
      }
      schedulePersist(handle);
    });
  }

  /**
   * Someone waits for the server to confirm it has our changes: a finished conversation may end before the server
   * said its heads (docsync paces its acknowledgements), so ask for them, every second until confirmed.
   */
  void confirmSync(DocHandle handle) {
    askHeads(handle);
    if (handle.confirmTimer < 0) {
      handle.confirmTimer = vertx.setPeriodic(CONFIRM_INTERVAL_MS, id -> {
        if (!handle.awaitingSync() || handle.isClosed()) {
          vertx.cancelTimer(id);
          handle.confirmTimer = -1;
        } else {
          askHeads(handle);
        }
      });
    }
  }

  private void askHeads(DocHandle handle) {
    if (ws != null && handle.connected()) {
      handle.restartSync();
      flush(handle);
    }
  }

  void sendEphemeral(String docId, byte[] data) {
    if (ws != null) {
      send(new WsMessage.Ephemeral(peerId, ws.server().senderId(), docId, data, ++ephemeralCount, sessionId));
    }
  }

  Future<Void> closeHandle(DocHandle handle) {
    Promise<Void> done = Promise.promise();
    onContext(() -> {
      handle.presence().shutdown();
      persist(handle).onComplete(ar -> {
        handles.remove(handle.documentId(), handle);
        handle.free();
        done.complete();
      });
    });
    return done.future();
  }

  // ---------------------------------------------------------------- storage

  private void schedulePersist(DocHandle handle) {
    if (store == null || handle.persistScheduled || handle.isClosed()) {
      return;
    }
    handle.persistScheduled = true;
    vertx.setTimer(PERSIST_DELAY_MS, id -> {
      handle.persistScheduled = false;
      persist(handle);
    });
  }

  /** Writes what storage lacks (changes, and the sync state with the current server), in order, off the event loop. */
  private Future<Void> persist(DocHandle handle) {
    if (store == null || handle.isClosed()) {
      return Future.succeededFuture();
    }
    boolean compact = handle.chunkBytes > Math.max(COMPACT_MIN_BYTES, handle.snapshotBytes);
    DocHandle.Unstored unstored = handle.unstored(compact);
    byte[] syncState = handle.syncStateToStore();
    String server = handle.serverStorageId();
    long seq = 0;
    if (unstored != null) {
      handle.storedHeads = unstored.heads();
      if (unstored.snapshot() != null) {
        handle.snapshotBytes = unstored.snapshot().length;
        handle.chunkBytes = 0;
      } else {
        seq = ++handle.storedChunk;
        handle.chunkBytes += unstored.chunk().length;
      }
    }
    String docId = handle.documentId();
    long chunkSeq = seq;
    return vertx.<Void>executeBlocking(() -> {
      if (unstored != null && unstored.snapshot() != null) {
        store.writeSnapshot(docId, unstored.snapshot());
      } else if (unstored != null) {
        store.appendChunk(docId, chunkSeq, unstored.chunk());
      }
      if (syncState != null) {
        store.saveSyncState(docId, server, syncState);
      }
      return null;
    }, true).onFailure(e -> LOG.warn("Could not store {} in {}: {}", docId, options.storageDir(), e.toString()));
  }
}
