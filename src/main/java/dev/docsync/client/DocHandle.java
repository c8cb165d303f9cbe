package dev.docsync.client;

import dev.docsync.doc.JsonView;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.automerge.ChangeHash;
import org.automerge.Cursor;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.automerge.Transaction;

/**
 * One document of a {@link DocsyncClient}: a real Automerge document kept in this JVM, synced with the
 * server whenever the client is online. Reads and changes work offline too; changes go out on reconnect.
 * Thread-safe: the document is only touched under this handle's lock (an Automerge document must not be
 * used by two threads at once), and listeners run on the client's event loop (never under the lock).
 */
public final class DocHandle {
  private static final HexFormat HEX = HexFormat.of();

  private final DocsyncClient client;
  private final String docId;
  private final Object lock = new Object();
  private final List<Consumer<DocChange>> listeners = new CopyOnWriteArrayList<>();
  private final Promise<DocHandle> ready = Promise.promise();
  private final Presence presence;
  private final List<Promise<Void>> syncWaiters = new ArrayList<>();
  private Document doc;
  /** The sync state with the server of the current connection; null while offline. */
  private SyncState sync;
  /** Encoded sync states per server storageId, kept across connections (and stored, with a storage directory). */
  private final java.util.Map<String, byte[]> savedSync = new java.util.HashMap<>();
  private String serverStorageId;
  // Persistence (client context only): what the storage directory holds.
  ChangeHash[] storedHeads;
  long storedChunk;
  long snapshotBytes;
  long chunkBytes;
  boolean persistScheduled;
  long confirmTimer = -1;
  boolean flushScheduled;
  private volatile boolean closed;
  /** The server's last error naming this document (e.g. FORBIDDEN), to say why it is unavailable. */
  volatile String lastError;

  DocHandle(DocsyncClient client, String docId, Document doc) {
    this.client = client;
    this.docId = docId;
    this.doc = doc;
    this.presence = new Presence(client, docId);
  }

  public String documentId() {
    return docId;
  }

  /** {@code automerge:<docId>}, what automerge-repo apps open. */
  public String url() {
    return DocumentIds.url(docId);
  }

  /** The document as plain JSON (text as strings, as JS {@code toJS} gives it). */
  public JsonObject view() {
    return read(JsonView::of);
  }

  /** The current heads, as lowercase hex change hashes (JS {@code getHeads()}). */
  public List<String> heads() {
    return read(d -> hex(d.getHeads()));
  }

  /** Reads the document under the handle's lock; do not keep the document or its objects after {@code reader} returns. */
  public <T> T read(Function<Document, T> reader) {
    synchronized (lock) {
      requireOpen();
      return reader.apply(doc);
    }
  }

  /**
   * Makes one change: {@code edit} gets a transaction, committed when it returns (rolled back if it throws).
   * Keep it short: it holds the handle's lock. The change is sent at once when online, else on reconnect.
   */
  public void change(Consumer<Transaction> edit) {
    DocChange change;
    synchronized (lock) {
      Before before = before();
      try (Transaction tx = doc.startTransaction()) {
        edit.accept(tx);
        tx.commit();
      }
      change = after(before, true);
    }
    client.changedLocally(this, change);
  }

  /** Merges a saved document ({@code save()} bytes of this or any fork of it): a restore, an import. */
  public void merge(byte[] saved) {
    DocChange change;
    Document other = Document.load(saved);
    try {
      synchronized (lock) {
        Before before = before();
        doc.merge(other);
        change = after(before, true);
      }
    } finally {
      other.free();
    }
    client.changedLocally(this, change);
  }

  /** The whole document as Automerge bytes ({@code Document.save()}): a backup that {@link #merge} or any Automerge loads. */
  public byte[] save() {
    return read(Document::save);
  }

  /** Called after every change, local or from the server, on the client's event loop. */
  public DocHandle onChange(Consumer<DocChange> listener) {
    listeners.add(listener);
    return this;
  }

  public Presence presence() {
    return presence;
  }

  /**
   * Completes once the server has every change of this document made so far (its sync state says both
   * sides have the same heads): for a command that must not exit before its change is out.
   */
  public Future<Void> whenSynced() {
    Promise<Void> promise = Promise.promise();
    client.onContext(() -> {
      if (inSync()) {
        promise.tryComplete();
      } else {
        syncWaiters.add(promise);
        client.confirmSync(this);
      }
    });
    return promise.future();
  }

  /**
   * An Automerge cursor string for position {@code index} of the text object {@code text}: stable under
   * others' edits, the same strings JS {@code Automerge.getCursor} makes ({@code "e"} for the end).
   */
  public String cursorAt(ObjectId text, long index) {
    return read(d -> index >= d.length(text) ? "e" : d.makeCursor(text, Math.max(0, index)).toString());
  }

  /** Where a cursor string (ours or a JS one) is now in the text object; -1 when it names nothing there. */
  public long indexOf(ObjectId text, String cursor) {
    return read(d -> {
      if (cursor == null) {
        return -1L;
      }
      if (cursor.equals("e")) {
        return d.length(text);
      }
      if (cursor.equals("s")) {
        return 0L;
      }
      try {
        return d.lookupCursorIndex(text, Cursor.fromString(cursor));
      } catch (RuntimeException e) {
        return -1L;
      }
    });
  }

  /** Stops syncing this document and frees its memory (stored first, with a storage directory). */
  public Future<Void> close() {
    return client.closeHandle(this);
  }

  // ---------------------------------------------------------------- the client's side (its event loop)

  Future<DocHandle> ready() {
    return ready.future();
  }

  void markReady() {
    ready.tryComplete(this);
  }

  void fail(Throwable cause) {
    ready.tryFail(cause);
  }

  boolean isReady() {
    return ready.future().succeeded();
  }

  boolean hasListeners() {
    return !listeners.isEmpty();
  }

  boolean connected() {
    synchronized (lock) {
      return sync != null;
    }
  }

  /** A new connection: resume from what the last one with this server left (memory or storage), else from nothing. */
  void connect(String storageId, byte[] stored) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      dropSync();
      serverStorageId = storageId;
      byte[] state = storageId == null ? null : savedSync.getOrDefault(storageId, stored);
      sync = state == null ? new SyncState() : SyncState.decode(state);
    }
  }

  void restoreSyncStates(java.util.Map<String, byte[]> stored) {
    synchronized (lock) {
      stored.forEach(savedSync::putIfAbsent);
    }
  }

  void disconnect() {
    synchronized (lock) {
      dropSync();
    }
  }

  /** The next sync message for the server, or null when there is nothing to say. */
  byte[] nextMessage() {
    synchronized (lock) {
      return sync == null || closed ? null : doc.generateSyncMessage(sync).orElse(null);
    }
  }

  /** An empty document asks with {@code request}, as automerge-repo does. */
  boolean empty() {
    synchronized (lock) {
      return doc.getHeads().length == 0;
    }
  }

  /** Applies a sync message from the server; returns the change it made, or null. */
  DocChange receive(byte[] message) {
    synchronized (lock) {
      if (sync == null || closed) {
        return null;
      }
      Before before = before();
      doc.receiveSyncMessage(sync, message);
      return after(before, false);
    }
  }

  /** The sync state to store for the current server (null: nothing to store). */
  byte[] syncStateToStore() {
    synchronized (lock) {
      if (sync != null && serverStorageId != null) {
        savedSync.put(serverStorageId, sync.encode());
      }
      return serverStorageId == null ? null : savedSync.get(serverStorageId);
    }
  }

  String serverStorageId() {
    synchronized (lock) {
      return serverStorageId;
    }
  }

  /** What storage lacks: changes since the stored heads (or a snapshot), under one lock with the new heads. */
  record Unstored(ChangeHash[] heads, byte[] chunk, byte[] snapshot) {}

  Unstored unstored(boolean compact) {
    synchronized (lock) {
      if (closed) {
        return null;
      }
      ChangeHash[] heads = doc.getHeads();
      if (storedHeads != null && sameHeads(heads, storedHeads)) {
        return null;
      }
      if (storedHeads == null || compact) {
        return new Unstored(heads, null, doc.save());
      }
      return new Unstored(heads, doc.encodeChangesSince(storedHeads), null);
    }
  }

  void fire(DocChange change) {
    listeners.forEach(l -> {
      try {
        l.accept(change);
      } catch (RuntimeException e) {
        DocsyncClient.LOG.warn("A change listener of {} failed", docId, e);
      }
    });
  }

  void checkSyncWaiters() {
    if (!syncWaiters.isEmpty() && inSync()) {
      List<Promise<Void>> done = new ArrayList<>(syncWaiters);
      syncWaiters.clear();
      done.forEach(Promise::tryComplete);
    }
  }

  boolean awaitingSync() {
    return !syncWaiters.isEmpty();
  }

  /** Starts the conversation afresh from the shared heads (as a reconnection does): the server answers with its heads. */
  void restartSync() {
    synchronized (lock) {
      if (sync != null && !closed) {
        byte[] state = sync.encode();
        sync.free();
        sync = SyncState.decode(state);
      }
    }
  }

  void failSyncWaiters(Throwable cause) {
    List<Promise<Void>> failed = new ArrayList<>(syncWaiters);
    syncWaiters.clear();
    failed.forEach(p -> p.tryFail(cause));
  }

  /** Frees the native memory; the handle is unusable afterwards. */
  void free() {
    synchronized (lock) {
      if (!closed) {
        closed = true;
        dropSync();
        doc.free();
      }
    }
  }

  boolean isClosed() {
    return closed;
  }

  /** Whether the server has every change of ours: our heads are among the heads both sides share (its last word). */
  private boolean inSync() {
    synchronized (lock) {
      if (sync == null || closed) {
        return false;
      }
      List<String> shared = sharedHeads(sync.encode());
      return shared != null && shared.containsAll(hex(doc.getHeads()));
    }
  }

  /** The shared heads of an encoded sync state: 0x43, a LEB128 count, then that many 32-byte hashes; null if not that. */
  static List<String> sharedHeads(byte[] encoded) {
    if (encoded.length < 2 || encoded[0] != 0x43) {
      return null;
    }
    long count = 0;
    int shift = 0;
    int at = 1;
    while (at < encoded.length && shift < 35) {
      byte b = encoded[at++];
      count |= (long) (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) {
        break;
      }
    }
    if (count > (encoded.length - at) / 32) {
      return null;
    }
    List<String> heads = new ArrayList<>();
    for (int i = 0; i < count; i++, at += 32) {
      heads.add(HEX.formatHex(encoded, at, at + 32));
    }
    return heads;
  }

  private void dropSync() {
    if (sync != null) {
      if (serverStorageId != null) {
        savedSync.put(serverStorageId, sync.encode());
      }
      sync.free();
      sync = null;
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("document " + docId + " was closed");
    }
  }

  /** Heads and (for listeners) the JSON view before a change. */
  record Before(ChangeHash[] heads, JsonObject view) {}

  Before before() {
    synchronized (lock) {
      requireOpen();
      return new Before(doc.getHeads(), hasListeners() ? JsonView.of(doc) : null);
    }
  }

  /** The change since {@code before}, or null when the heads did not move. */
  DocChange after(Before before, boolean local) {
    synchronized (lock) {
      if (closed) {
        return null;
      }
      ChangeHash[] heads = doc.getHeads();
      if (sameHeads(before.heads(), heads)) {
        return null;
      }
      JsonObject view = before.view() == null ? null : JsonView.of(doc);
      return new DocChange(docId, local, hex(before.heads()), hex(heads),
          before.view() == null ? new JsonObject() : before.view(), view == null ? new JsonObject() : view);
    }
  }

  static boolean sameHeads(ChangeHash[] a, ChangeHash[] b) {
    if (a.length != b.length) {
      return false;
    }
    List<String> x = hex(a);
    List<String> y = hex(b);
    return x.equals(y);
  }

  static List<String> hex(ChangeHash[] heads) {
    String[] out = new String[heads.length];
    for (int i = 0; i < heads.length; i++) {
      out[i] = HEX.formatHex(heads[i].getBytes());
    }
    Arrays.sort(out);
    return List.of(out);
  }
}
