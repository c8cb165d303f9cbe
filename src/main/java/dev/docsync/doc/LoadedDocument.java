package dev.docsync.doc;

import dev.docsync.limits.ChunkScan;
import dev.docsync.limits.SyncMessageCheck;
import dev.docsync.protocol.Base64s;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocRequest;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.store.StoredChunk;
import dev.docsync.store.SyncStateRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.SyncState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Automerge document in memory with its peers' sync states. Every method runs on a worker
 * thread, and only one at a time (the owner guarantees it): this is the only code that touches
 * the native Document and SyncStates.
 */
final class LoadedDocument {
  private static final Logger LOG = LoggerFactory.getLogger(LoadedDocument.class);

  private final DocId docId;
  private final Document doc;
  private final Map<String, PeerSession> peers = new LinkedHashMap<>();
  /** The document's heads, read once per change of the document: each read is a JNI call that looks up its classes anew. */
  private ChangeHash[] heads;
  /** Heads of what the store holds; everything past them goes into the next chunk. */
  private ChangeHash[] storedHeads;
  private int openFrontends;
  private JsonObject lastView;
  /** Estimated native memory of the changes applied (see NativeMemory), stored or about to be. */
  private long heldBytes;
  /** Estimated native memory of the changes admitted in the running batch, not yet in heldBytes. */
  private long batchBytes;
  private final KnownChanges known = new KnownChanges();
  private final BusyDocument busy = new BusyDocument();
  /** Monotonic time in nanoseconds for sync pacing: System::nanoTime, a fake clock in unit tests. */
  private final LongSupplier nanos;

  private LoadedDocument(DocId docId, Document doc, LongSupplier nanos) {
    this.docId = docId;
    this.doc = doc;
    this.nanos = nanos;
    this.storedHeads = heads();
  }

  /**
   * Loads the concatenated chunks and greets the parked peers again. Throws DOC_UNAVAILABLE rather
   * than ever serving a damaged (or, past {@code maxBytes}, too large) document empty.
   */
  static LoadedDocument load(DocId docId, List<StoredChunk> chunks, long maxBytes) {
    return load(docId, chunks, maxBytes, System::nanoTime);
  }

  /** With {@code nanos} as the clock pacing reads. */
  static LoadedDocument load(DocId docId, List<StoredChunk> chunks, long maxBytes, LongSupplier nanos) {
    if (chunks.isEmpty()) {
      return new LoadedDocument(docId, new Document(), nanos);
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    chunks.forEach(c -> all.writeBytes(c.data()));
    Document doc;
    try {
      doc = Document.load(all.toByteArray());
    } catch (RuntimeException e) {
      throw new DocsyncException(ErrorCode.DOC_UNAVAILABLE, "stored document " + docId + " cannot be loaded: " + e.getMessage(), e);
    }
    LoadedDocument loaded = new LoadedDocument(docId, doc, nanos);
    loaded.count(all.toByteArray());
    if (loaded.estimatedBytes() > maxBytes) {
      doc.free();
      throw new DocsyncException(ErrorCode.DOC_UNAVAILABLE, "document " + docId + " would hold about "
          + loaded.estimatedBytes() / (1024 * 1024) + " MiB, more than this node loads (DOCSYNC_DOC_MAX_BYTES)");
    }
    return loaded;
  }

  /**
   * The cost of what was stored, read from the stored chunks (a compacted document's counts are in
   * its header: no need to encode and hash the whole history). Chunks our scanner cannot read (the
   * core could) are counted from the history the core encodes instead.
   */
  private void count(byte[] stored) {
    ChunkScan scan;
    try {
      scan = ChunkScan.of(stored, Long.MAX_VALUE); // written by our own core
    } catch (RuntimeException e) {
      scan = ownChanges(doc.encodeChangesSince(new ChangeHash[0]));
    }
    heldBytes = NativeMemory.of(scan);
  }

  private ChangeHash[] heads() {
    if (heads == null) {
      heads = doc.getHeads();
    }
    return heads;
  }

  /** Counts changes the document now holds: their hashes and their cost. */
  private void absorb(byte[] changes) {
    if (changes.length == 0) {
      return;
    }
    ChunkScan scan = ChunkScan.of(changes, Long.MAX_VALUE); // our own core's output
    long cost = NativeMemory.of(scan);
    heldBytes = heldBytes > Long.MAX_VALUE - cost ? Long.MAX_VALUE : heldBytes + cost;
    known.addAll(scan);
  }

  /** Whether the set of known change hashes was built (see KnownChanges): for tests. */
  boolean knowsHistory() {
    return known.built();
  }

  /** Estimated native memory held by the document and its sync states. */
  long estimatedBytes() {
    return NativeMemory.BASE_BYTES + heldBytes;
  }

  /** Frontends that had the document open before it was unloaded still count. */
  void restoreFrontends(int count) {
    openFrontends += count;
  }

  /** @param unpaced the node is stopping: whatever pacing holds back goes now */
  BatchResult apply(List<Pending> batch, Map<String, byte[]> storedSyncStates, boolean flushSyncStates, OwnerSettings settings,
                    boolean unpaced) {
    BatchResult result = new BatchResult();
    List<Pending> opens = new ArrayList<>();
    JsonArray origins = new JsonArray();
    batchBytes = 0;
    for (Pending pending : batch) {
      try {
        applyOne(pending, storedSyncStates, result, opens, origins, settings);
      } catch (DocsyncException e) {
        result.fail(pending, e);
      }
    }
    result.heads = heads();
    if (!Heads.same(result.heads, storedHeads)) {
      result.chunk = doc.encodeChangesSince(storedHeads);
      absorb(result.chunk);
      result.changeEvent = changeEvent(result, origins);
    }
    batchBytes = 0;
    long busyInterval = busy.intervalNanos(nanos.getAsLong(), peers.size(), settings.syncBusyMessagesPerSecond());
    result.coalescing = busyInterval > settings.syncIntervalMs() * 1_000_000;
    generateSyncMessages(result, spokeIn(batch), unpaced ? 0 : settings.syncPaceMs() * 1_000_000,
        unpaced ? 0 : Math.max(settings.syncIntervalMs() * 1_000_000, busyInterval));
    if (flushSyncStates) {
      collectDirtySyncStates(result);
    }
    result.estimatedBytes = estimatedBytes();
    result.peers = peers.size();
    result.syncStatesDirty = peers.values().stream().anyMatch(p -> p.persistent() && p.dirty);
    answerOpens(opens, result);
    completeReplies(result);
    return result;
  }

  private void applyOne(Pending pending, Map<String, byte[]> stored, BatchResult result, List<Pending> opens, JsonArray origins,
                        OwnerSettings settings) {
    DocRequest request = pending.request();
    if (request instanceof DocRequest.Open open) {
      if (open.subscribe()) {
        openFrontends++;
      }
      opens.add(pending);
    } else if (request instanceof DocRequest.LocalChange change) {
      applyLocalChange(change.change(), settings);
      if (change.origin() != null) {
        origins.add(change.origin());
      }
      result.ok(pending, null);
    } else if (request instanceof DocRequest.Close) {
      openFrontends = Math.max(0, openFrontends - 1);
      result.ok(pending, new JsonObject().put("docId", docId.value()));
    } else if (request instanceof DocRequest.Hello hello) {
      hello(hello, stored.get(hello.peerId()));
      if (hello.message() != null) {
        result.syncBytesIn += hello.message().length;
        receiveFirst(hello, settings, result);
      }
      result.ok(pending, null);
    } else if (request instanceof DocRequest.Sync sync) {
      result.syncBytesIn += sync.message().length;
      receiveSync(sync, settings, result);
      result.ok(pending, null);
    } else if (request instanceof DocRequest.Bye bye) {
      bye(bye, result);
      result.ok(pending, new JsonObject().put("docId", docId.value()).put("peerId", bye.peerId()));
    }
  }

  /**
   * Refused before the core sees it: bytes that do not parse, more operations than allowed, a
   * document that would grow past its limit, and missing dependencies (refused and forgotten: the
   * core would queue such a change and apply it once they arrive, after the client was told no).
   */
  private void applyLocalChange(byte[] change, OwnerSettings settings) {
    ChunkScan scan = scan(change, settings);
    if (!known.dependenciesMet(scan, heads())) {
      knowHistory();
      if (!known.dependenciesMet(scan, heads())) {
        throw new DocsyncException(ErrorCode.MISSING_DEPENDENCIES,
            "the change depends on changes this document does not have; send those first (this one was not kept)");
      }
    }
    admit(scan, settings);
    busy.changeArrived();
    ChangeHash[] before = heads();
    try {
      doc.applyEncodedChanges(change);
    } catch (RuntimeException e) {
      throw new DocsyncException(ErrorCode.INVALID_CHANGE, "change bytes do not parse: " + e.getMessage());
    } finally {
      heads = null;
    }
    requireApplied(scan, before);
  }

  private ChunkScan scan(byte[] change, OwnerSettings settings) {
    try {
      return ChunkScan.of(change, settings.changeMaxBytes());
    } catch (ChunkScan.TooLarge e) {
      throw new DocsyncException(ErrorCode.TOO_LARGE, "change " + e.getMessage() + " (DOCSYNC_MAX_PAYLOAD_BYTES)");
    } catch (RuntimeException e) {
      throw new DocsyncException(ErrorCode.INVALID_CHANGE, "change bytes do not parse: " + e.getMessage());
    }
  }

  /** What a request's changes will cost, judged before the core takes them (its work and memory grow with the operations). */
  private void admit(ChunkScan scan, OwnerSettings settings) {
    long maxOps = settings.changeMaxOps();
    if (maxOps > 0 && scan.ops() > maxOps) {
      throw new DocsyncException(ErrorCode.TOO_LARGE, "the changes carry " + scan.ops() + " operations, more than "
          + maxOps + " (DOCSYNC_CHANGE_MAX_OPS)");
    }
    long cost = NativeMemory.of(scan);
    long after = estimatedBytes() + batchBytes + cost;
    if (after < 0 || after > settings.docMaxBytes()) {
      throw new DocsyncException(ErrorCode.TOO_LARGE, "document " + docId + " would hold about "
          + (after < 0 ? Long.MAX_VALUE : after) / (1024 * 1024) + " MiB of native memory, more than DOCSYNC_DOC_MAX_BYTES");
    }
    batchBytes += cost;
  }

  /**
   * Every change the document holds becomes known: the first time, its whole history; after that,
   * the changes applied since the last stored chunk (what this batch took from peers, or whole documents).
   */
  private void knowHistory() {
    if (!known.built()) {
      known.build(ownChanges(doc.encodeChangesSince(new ChangeHash[0])));
      return;
    }
    byte[] unstored = doc.encodeChangesSince(storedHeads);
    if (unstored.length > 0) {
      known.addAll(ChunkScan.of(unstored, Long.MAX_VALUE));
    }
  }

  /** Changes our own core encoded (none, for an empty document): trusted, unbounded. */
  private static ChunkScan ownChanges(byte[] changes) {
    ChunkScan scan = new ChunkScan(Long.MAX_VALUE);
    return changes.length == 0 ? scan : scan.add(changes, 0, changes.length);
  }

  /**
   * The core silently skips a chunk it cannot use (and what follows it): every change of the request
   * must now be in the document, or the request is refused, and only changes it holds count as known.
   */
  private void requireApplied(ChunkScan scan, ChangeHash[] before) {
    if (known.built() && known.allHeld(scan, null)) {
      return; // a retry, or a whole document (absorbed with the batch's chunk)
    }
    ChunkScan applied = Heads.same(before, heads()) ? null : ChunkScan.of(doc.encodeChangesSince(before), Long.MAX_VALUE);
    if (applied != null) {
      known.addAll(applied);
    }
    if (!known.allHeld(scan, applied) && !known.built()) {
      knowHistory(); // a retry of changes held before the set was built
    }
    if (!known.allHeld(scan, applied)) {
      if (applied == null) {
        throw new DocsyncException(ErrorCode.INVALID_CHANGE, "the change was not accepted by Automerge");
      }
      throw new DocsyncException(ErrorCode.INVALID_CHANGE, "part of the changes was not accepted by Automerge");
    }
  }

  private void hello(DocRequest.Hello hello, byte[] storedState) {
    PeerSession existing = peers.get(hello.peerId());
    if (existing != null && existing.address.equals(hello.address()) && existing.readOnly == hello.readOnly()) {
      existing.restart();
      return;
    }
    SyncState state = existing != null ? SyncState.decode(existing.state.encode()) : decodeOrFresh(storedState);
    if (existing != null) {
      existing.free();
    }
    peers.put(hello.peerId(), new PeerSession(hello.peerId(), hello.storageKey(), hello.address(), hello.readOnly(), state));
  }

  /**
   * A greeting whose message is refused leaves no session behind (the sender takes it as not
   * greeted), except a read-only peer's refused changes: it stays, to keep receiving.
   */
  private void receiveFirst(DocRequest.Hello hello, OwnerSettings settings, BatchResult result) {
    try {
      receiveSync(new DocRequest.Sync(docId, hello.peerId(), hello.message()), settings, result);
    } catch (DocsyncException e) {
      if (e.code() != ErrorCode.FORBIDDEN) {
        peers.remove(hello.peerId()).free();
      }
      throw e;
    }
  }

  private SyncState decodeOrFresh(byte[] stored) {
    if (stored == null) {
      return new SyncState();
    }
    try {
      return SyncState.decode(stored);
    } catch (RuntimeException e) {
      LOG.warn("Stored sync state of a peer of {} does not decode, starting fresh: {}", docId, e.getMessage());
      return new SyncState();
    }
  }

  private void receiveSync(DocRequest.Sync sync, OwnerSettings settings, BatchResult result) {
    PeerSession peer = peers.get(sync.peerId());
    if (peer == null) {
      throw new DocsyncException(ErrorCode.UNKNOWN_PEER, "peer " + sync.peerId() + " has not said HELLO for " + docId);
    }
    String unsafe = SyncMessageCheck.problem(sync.message());
    if (unsafe != null) {
      // Never handed to Automerge: some such messages abort the JVM or hang a worker in the 0.5.7 core.
      throw new DocsyncException(ErrorCode.INVALID_SYNC_MESSAGE, unsafe);
    }
    admitSyncChanges(sync.message(), settings);
    boolean refused = peer.readOnly && SyncMessages.carriesChanges(sync.message());
    if (refused && peer.shadow == null) {
      peer.shadow = doc.fork();
    }
    if (peer.owesReply && !settled(peer, heads()) && recordsHeadsAsSent(peer, sync.message())) {
      answerBeforeNextMessage(peer, result);
    }
    ChangeHash[] settles = settles(peer, sync.message());
    try {
      (peer.shadow != null ? peer.shadow : doc).receiveSyncMessage(peer.state, sync.message());
    } catch (RuntimeException e) {
      peer.settledAt = null;
      throw new DocsyncException(ErrorCode.INVALID_SYNC_MESSAGE, "not an Automerge sync message: " + e.getMessage());
    } finally {
      if (peer.shadow == null) {
        heads = null;
      }
    }
    peer.settledAt = settles;
    peer.owesReply = true;
    peer.dirty = true;
    if (refused) {
      throw new DocsyncException(ErrorCode.FORBIDDEN, "peer " + sync.peerId() + " may only read " + docId
          + ": its changes are neither stored nor shared");
    }
  }

  /**
   * Automerge expects an answer between two messages of a peer: receiving the second one, when it states the
   * heads the first one gave us, records those heads as told to the peer, and no answer ever says them (the
   * peer waits for an acknowledgement that never comes). A batch holding several messages of one peer answers
   * before taking the next one that would do that, as a conversation of single messages would. Only such a
   * message does it (no changes, heads equal to the document's): answering before any other one cost a
   * generate per message, a quarter of the server's CPU on a hot document, for nothing.
   */
  private void answerBeforeNextMessage(PeerSession peer, BatchResult result) {
    Optional<byte[]> answer = (peer.shadow != null ? peer.shadow : doc).generateSyncMessage(peer.state);
    peer.owesReply = false;
    if (answer.isPresent()) {
      peer.responded = true;
      result.outgoing.add(new BatchResult.Outgoing(peer.address, peer.peerId, answer.get()));
      if (SyncMessageCheck.changeCount(answer.get()) > 0) {
        peer.sentChanges(nanos.getAsLong());
      }
    }
  }

  /**
   * The document's heads if the message states exactly them, in the core's order, and carries and asks for
   * nothing (an acknowledgement by a peer that has everything); else null. After such a message, and until the
   * document changes, Automerge's generate for the peer returns nothing: its heads are the last sent and
   * theirs, its Bloom filter holds every change since their last sync, they need nothing. It still costs a
   * Bloom filter and a scan of the changes since the shared heads, so it is not called (see {@link #settled}).
   */
  private ChangeHash[] settles(PeerSession peer, byte[] message) {
    if (peer.shadow != null) {
      return null;
    }
    byte[][] stated = SyncMessageCheck.headsIfBare(message, true);
    if (stated == null) {
      return null;
    }
    ChangeHash[] heads = heads();
    if (heads.length != stated.length) {
      return null;
    }
    for (int i = 0; i < heads.length; i++) {
      if (!Arrays.equals(heads[i].getBytes(), stated[i])) {
        return null;
      }
    }
    return heads;
  }

  /** Whether a generate for the peer would return nothing (see {@link #settles}); only once we have answered it. */
  private static boolean settled(PeerSession peer, ChangeHash[] heads) {
    if (peer.settledAt == null || !peer.responded || peer.shadow != null || peer.settledAt.length != heads.length) {
      return false;
    }
    for (int i = 0; i < heads.length; i++) {
      if (!peer.settledAt[i].equals(heads[i])) {
        return false;
      }
    }
    return true;
  }

  /** Whether receiving the message makes Automerge take the document's heads as already sent to the peer. */
  private boolean recordsHeadsAsSent(PeerSession peer, byte[] message) {
    byte[][] stated = SyncMessageCheck.headsIfBare(message);
    if (stated == null) {
      return false;
    }
    ChangeHash[] heads = (peer.shadow != null ? peer.shadow.getHeads() : heads());
    if (heads.length != stated.length) {
      return false;
    }
    outer:
    for (ChangeHash head : heads) {
      byte[] bytes = head.getBytes();
      for (byte[] s : stated) {
        if (Arrays.equals(bytes, s)) {
          continue outer;
        }
      }
      return false;
    }
    return true;
  }

  /** The changes a peer sends face the same limits as a LOCAL_CHANGE, before the core receives them. */
  private void admitSyncChanges(byte[] message, OwnerSettings settings) {
    ChunkScan scan;
    try {
      scan = SyncMessageCheck.scanChanges(message, settings.changeMaxBytes());
    } catch (ChunkScan.TooLarge e) {
      throw new DocsyncException(ErrorCode.TOO_LARGE, "sync message " + e.getMessage() + " (DOCSYNC_MAX_PAYLOAD_BYTES)");
    } catch (RuntimeException e) {
      throw new DocsyncException(ErrorCode.INVALID_SYNC_MESSAGE, "not an Automerge sync message: " + e.getMessage());
    }
    if (scan.changes() > 0 || scan.ops() > 0) {
      admit(scan, settings);
      busy.changeArrived();
    }
  }

  private void bye(DocRequest.Bye bye, BatchResult result) {
    PeerSession peer = peers.remove(bye.peerId());
    if (peer == null) {
      return;
    }
    if (peer.persistent()) {
      result.syncStates.add(new SyncStateRecord(docId, peer.storageKey, peer.state.encode()));
    }
    peer.free();
  }

  /**
   * At most one message per peer per batch, and one round per round trip: while a peer has not
   * answered our last message with changes, what changed since waits (it all goes in the next message,
   * sent when the answer comes or the pace runs out). Every round costs a generate here and a receive
   * there, each O(history) in the Automerge core: on a hot document this caps the rounds per peer by
   * its round trip instead of the change rate. The optional sync interval caps them further. A peer
   * that said nothing, of a document that did not change, would get nothing: generating is skipped.
   */
  private void generateSyncMessages(BatchResult result, Set<String> spoke, long paceNanos, long intervalNanos) {
    boolean changed = result.chunk != null;
    long now = nanos.getAsLong();
    for (PeerSession peer : peers.values()) {
      boolean spokeNow = spoke.contains(peer.peerId);
      if (spokeNow) {
        peer.unansweredSince = 0;
      }
      if (!changed && !spokeNow && !peer.behind && peer.shadow == null) {
        continue;
      }
      if (settled(peer, result.heads)) {
        peer.owesReply = false;
        peer.behind = false;
        continue;
      }
      long wait = peer.paceWait(now, paceNanos, intervalNanos);
      if (wait > 0) {
        peer.behind = true;
        if (result.coalescing) {
          result.heldWhileBusy++;
        }
        result.paceAgainNanos = result.paceAgainNanos == 0 ? wait : Math.min(result.paceAgainNanos, wait);
        continue;
      }
      peer.behind = false;
      if (peer.shadow != null) {
        peer.shadow.merge(doc);
      }
      Optional<byte[]> message = (peer.shadow != null ? peer.shadow : doc).generateSyncMessage(peer.state);
      peer.owesReply = false;
      if (message.isPresent()) {
        peer.responded = true;
        result.outgoing.add(new BatchResult.Outgoing(peer.address, peer.peerId, message.get()));
        peer.dirty = true;
        if (SyncMessageCheck.changeCount(message.get()) > 0) {
          peer.sentChanges(now);
        }
      }
    }
  }

  private static Set<String> spokeIn(List<Pending> batch) {
    Set<String> spoke = new HashSet<>();
    for (Pending pending : batch) {
      if (pending.request() instanceof DocRequest.Sync sync) {
        spoke.add(sync.peerId());
      } else if (pending.request() instanceof DocRequest.Hello hello) {
        spoke.add(hello.peerId());
      }
    }
    return spoke;
  }


  private void collectDirtySyncStates(BatchResult result) {
    for (PeerSession peer : peers.values()) {
      if (peer.persistent() && peer.dirty) {
        result.syncStates.add(new SyncStateRecord(docId, peer.storageKey, peer.state.encode()));
        peer.dirty = false;
      }
    }
  }

  private JsonObject changeEvent(BatchResult result, JsonArray origins) {
    JsonObject event = new JsonObject()
        .put("docId", docId.value())
        .put("heads", Heads.toJson(result.heads))
        .put("changes", Base64s.encode(result.chunk))
        .put("origins", origins);
    if (openFrontends > 0) {
      JsonObject view = JsonView.of(doc);
      event.put("view", ViewDiff.between(lastView, view));
      lastView = view;
    }
    return event;
  }

  private void answerOpens(List<Pending> opens, BatchResult result) {
    if (opens.isEmpty()) {
      return;
    }
    String snapshot = Base64s.encode(doc.save());
    JsonObject view = opens.stream().anyMatch(p -> ((DocRequest.Open) p.request()).withView()) ? JsonView.of(doc) : null;
    if (view != null) {
      lastView = view;
    }
    for (Pending open : opens) {
      JsonObject reply = new JsonObject()
          .put("docId", docId.value())
          .put("heads", Heads.toJson(result.heads))
          .put("snapshot", snapshot);
      if (((DocRequest.Open) open.request()).withView()) {
        reply.put("view", view);
      }
      result.ok(open, reply);
    }
  }

  /** LOCAL_CHANGE, HELLO and SYNC replies carry the heads after the whole batch. */
  private void completeReplies(BatchResult result) {
    JsonArray heads = Heads.toJson(result.heads);
    result.replies.replaceAll(r -> r.body() != null || r.error() != null ? r
        : new BatchResult.Reply(r.pending(), new JsonObject().put("docId", docId.value()).put("heads", heads), null));
  }

  /** Called once the batch's chunk is durable. */
  void markStored(ChangeHash[] heads) {
    storedHeads = heads;
  }

  byte[] save() {
    return doc.save();
  }

  /** What unloading leaves behind: sync states to store, and who to greet again on the next load. */
  record Unloaded(List<SyncStateRecord> syncStates, Parked parked) {}

  /** Frees all native memory. The document is unusable afterwards. */
  Unloaded unload() {
    List<SyncStateRecord> states = new ArrayList<>();
    List<DocRequest.Hello> hellos = new ArrayList<>();
    for (PeerSession peer : peers.values()) {
      if (peer.persistent()) {
        states.add(new SyncStateRecord(docId, peer.storageKey, peer.state.encode()));
      }
      hellos.add(new DocRequest.Hello(docId, peer.peerId, peer.storageKey, peer.address, peer.readOnly, null));
      peer.free();
    }
    peers.clear();
    doc.free();
    return new Unloaded(states, new Parked(hellos, openFrontends));
  }
}
