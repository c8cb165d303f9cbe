package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.limits.SyncMessageCheck;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocRequest;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.store.SyncStateRecord;
import dev.docsync.testing.Changes;
import dev.docsync.testing.EventBusPeer;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The serial step of a document owner, driven directly with real Automerge changes and sync messages and
 * a fake clock: replies, outgoing sync messages, pacing, sync states to store, refusals.
 */
class LoadedDocumentTest {
  private static final DocId ID = new DocId("loaded-unit");
  private static final long PACE_MS = 1_000;
  private static final OwnerSettings PACED = settings(PACE_MS, 0);

  private final FakeClock clock = new FakeClock();
  private LoadedDocument loaded;
  private final List<AutoCloseable> toFree = new ArrayList<>();

  @BeforeEach
  void load() {
    loaded = LoadedDocument.load(ID, List.of(), Long.MAX_VALUE, clock);
  }

  @AfterEach
  void free() throws Exception {
    loaded.unload();
    for (AutoCloseable c : toFree) {
      c.close();
    }
  }

  @Test
  void aPeersChangesAreAppliedAndEveryReplyCarriesTheHeadsAfterTheBatch() {
    Peer alice = peer("alice", null, false);
    alice.edit("title", "hello");
    BatchResult first = step(PACED, false, alice.hello());
    assertThat(first.replies).singleElement().satisfies(r -> assertThat(r.error()).isNull());
    assertThat(first.outgoing).extracting(BatchResult.Outgoing::peerId).containsExactly("alice");
    assertThat(first.outgoing.get(0).address()).isEqualTo("out.alice");

    converse(PACED, alice, first);
    assertThat(EventBusPeer.hex(docHeads())).isEqualTo(alice.heads());

    // A local change and a peer's sync in one batch: both replies carry the heads after both.
    alice.edit("more", "x");
    Pending change = localChange(otherChange("k"));
    BatchResult both = step(PACED, false, alice.sync(), change);
    assertThat(both.chunk).isNotNull();
    assertThat(both.changeEvent.getJsonArray("heads")).isEqualTo(Heads.toJson(both.heads));
    assertThat(both.replies).hasSize(2).allSatisfy(r -> {
      assertThat(r.error()).isNull();
      assertThat(r.body().getJsonArray("heads")).isEqualTo(Heads.toJson(both.heads));
    });
  }

  @Test
  void whileAPeerHasNotAnsweredChangesTheNextOnesWaitForThePaceOrItsAnswer() {
    Peer bob = peer("bob", null, false);
    seed(PACED);
    converse(PACED, bob, step(PACED, false, bob.hello()));

    BatchResult c1 = step(PACED, false, localChange(otherChange("one")));
    assertThat(withChanges(c1, "bob")).isEqualTo(1); // bob does not answer it

    clock.advanceMs(10);
    BatchResult c2 = step(PACED, false, localChange(otherChange("two")));
    assertThat(c2.outgoing).isEmpty();
    assertThat(c2.paceAgainNanos).isEqualTo(TimeUnit.MILLISECONDS.toNanos(PACE_MS - 10));

    clock.advanceMs(500);
    BatchResult early = step(PACED, false);
    assertThat(early.outgoing).isEmpty();
    assertThat(early.paceAgainNanos).isEqualTo(TimeUnit.MILLISECONDS.toNanos(PACE_MS - 510));

    clock.advanceMs(PACE_MS - 510);
    BatchResult due = step(PACED, false);
    assertThat(withChanges(due, "bob")).isEqualTo(1);
    assertThat(due.paceAgainNanos).isZero();
    bob.receive(c1.outgoing);
    bob.receive(due.outgoing);
    converse(PACED, bob);
    assertThat(bob.heads()).isEqualTo(EventBusPeer.hex(docHeads()));
  }

  @Test
  void anAnswerLetsTheWaitingChangesGoAtOnceAndAStoppingNodeIgnoresThePace() {
    Peer carol = peer("carol", null, false);
    seed(PACED);
    converse(PACED, carol, step(PACED, false, carol.hello()));
    BatchResult c1 = step(PACED, false, localChange(otherChange("one")));
    assertThat(step(PACED, false, localChange(otherChange("two"))).outgoing).isEmpty();

    carol.receive(c1.outgoing); // its answer acknowledges "one" and the held change goes with the reply
    BatchResult answered = step(PACED, false, carol.sync());
    assertThat(withChanges(answered, "carol")).isEqualTo(1);

    BatchResult c3 = step(PACED, false, localChange(otherChange("three")));
    assertThat(c3.outgoing).isEmpty();
    BatchResult unpaced = loaded.apply(List.of(), new HashMap<>(), false, PACED, true);
    assertThat(withChanges(unpaced, "carol")).isEqualTo(1);
  }

  @Test
  void theIntervalCapsMessagesWithChangesEvenWhenThePeerAnswers() {
    OwnerSettings interval = settings(0, 200);
    Peer dan = peer("dan", null, false);
    seed(interval);
    converse(interval, dan, step(interval, false, dan.hello()));
    clock.advanceMs(200);
    BatchResult c1 = step(interval, false, localChange(otherChange("one")));
    assertThat(withChanges(c1, "dan")).isEqualTo(1);
    clock.advanceMs(50);
    dan.receive(c1.outgoing);
    BatchResult c2 = step(interval, false, localChange(otherChange("two")), dan.sync()); // it answers at once
    assertThat(withChanges(c2, "dan")).isZero();
    assertThat(c2.paceAgainNanos).isEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
    clock.advanceMs(150);
    assertThat(withChanges(step(interval, false), "dan")).isEqualTo(1);
  }

  /** Busy: changes a second times peers past the budget. Each peer's next message waits, then carries all. */
  @Test
  void aBusyDocumentSpacesOutItsMessagesAndEveryPeerStillGetsEveryChange() {
    OwnerSettings busy = new OwnerSettings(100, 100, 1000, 60_000, 1 << 20, 8, 1L << 30, 1L << 32, 1000, 0, 0, 10, 0,
        64L << 20);
    List<Peer> peers = List.of(peer("p1", null, false), peer("p2", null, false), peer("p3", null, false));
    seed(busy);
    for (Peer p : peers) {
      converse(busy, p, step(busy, false, p.hello()));
    }
    BatchResult quiet = step(busy, false, localChange(otherChange("quiet")));
    assertThat(quiet.coalescing).isFalse();
    assertThat(quiet.outgoing).hasSize(3); // nothing measured yet: at once
    peers.forEach(p -> p.receive(quiet.outgoing));
    for (int i = 0; i < 10; i++) { // 10 changes a second to 3 peers: 30 messages a second, 10 allowed
      clock.advanceMs(100);
      BatchResult each = step(busy, false, localChange(otherChange("k" + i)));
      peers.forEach(p -> p.receive(each.outgoing));
      BatchResult answered = step(busy, false, peers.stream().map(Peer::sync).filter(m -> m != null).toArray(Pending[]::new));
      peers.forEach(p -> p.receive(answered.outgoing));
    }
    clock.advanceMs(10);
    BatchResult held = step(busy, false, localChange(otherChange("held")));
    assertThat(held.coalescing).isTrue();
    assertThat(held.outgoing).isEmpty();
    assertThat(held.heldWhileBusy).isEqualTo(3);
    assertThat(held.paceAgainNanos).isEqualTo(TimeUnit.MILLISECONDS.toNanos(90)); // 100 ms after the last ones

    clock.advanceMs(90);
    BatchResult due = step(busy, false);
    assertThat(due.outgoing).extracting(BatchResult.Outgoing::peerId).containsExactlyInAnyOrder("p1", "p2", "p3");
    peers.forEach(p -> p.receive(due.outgoing));
    clock.advanceMs(2_000); // quiet again: the conversations end without waits
    for (Peer p : peers) {
      converse(busy, p);
      assertThat(p.heads()).isEqualTo(EventBusPeer.hex(docHeads()));
      assertThat(p.doc.get(ObjectId.ROOT, "held")).isPresent();
    }
  }

  /** Two messages of one peer in one batch: the first is answered before the second is received. */
  @Test
  void severalMessagesOfOnePeerInOneBatchAreEachAnswered() {
    Peer erin = peer("erin", null, false);
    step(PACED, false, localChange(otherChange("server-side")));
    erin.edit("a", "1");
    Pending hello = erin.hello();
    erin.edit("b", "2");
    Pending second = erin.sync();
    assertThat(second).isNotNull();

    BatchResult batch = step(PACED, false, hello, second);
    assertThat(batch.replies).allSatisfy(r -> assertThat(r.error()).isNull());
    // Answered between the two messages only when Automerge needs it (the second bare, stating the heads the first
    // brought: BurstAcknowledgementTest); either way the peer converges.
    assertThat(batch.outgoing).isNotEmpty().extracting(BatchResult.Outgoing::peerId).containsOnly("erin");
    erin.receive(batch.outgoing);
    converse(PACED, erin);
    assertThat(erin.heads()).isEqualTo(EventBusPeer.hex(docHeads()));
    assertThat(loaded.save()).isNotEmpty();
  }

  @Test
  void persistentPeersSyncStatesAreMarkedDirtyThenCollectedEphemeralOnesNever() {
    Peer stored = peer("frank", "storage-frank", false);
    Peer ephemeral = peer("gina", null, false);
    stored.edit("x", "1");
    BatchResult greeted = step(PACED, false, stored.hello(), ephemeral.hello());
    assertThat(greeted.syncStatesDirty).isTrue();
    assertThat(greeted.syncStates).isEmpty();

    BatchResult flushed = step(PACED, true);
    assertThat(flushed.syncStates).extracting(SyncStateRecord::peerKey).containsExactly("storage-frank");
    assertThat(flushed.syncStatesDirty).isFalse();
    assertThat(step(PACED, true).syncStates).isEmpty(); // nothing changed since

    BatchResult bye = step(PACED, false, pending(new DocRequest.Bye(ID, "frank")), pending(new DocRequest.Bye(ID, "gina")));
    assertThat(bye.syncStates).extracting(SyncStateRecord::peerKey).containsExactly("storage-frank");
    assertThat(bye.peers).isZero();
  }

  @Test
  void aChangeWithMissingDependenciesIsRefusedAndTheRestOfTheBatchKept() {
    Document other = new Document();
    toFree.add(other::free);
    Changes.put(other, "x", "1");
    ChangeHash[] afterX = other.getHeads();
    Changes.put(other, "y", "2");
    byte[] orphan = other.encodeChangesSince(afterX); // depends on x, which the document lacks
    Pending good = localChange(otherChange("good"));
    Pending bad = localChange(orphan);

    BatchResult result = step(PACED, false, good, bad);
    assertThat(result.replies.get(0).error()).isNull();
    assertThat(result.replies.get(1).error().code()).isEqualTo(ErrorCode.MISSING_DEPENDENCIES);
    assertThat(result.chunk).isNotNull();
    assertThat(docHeads()).hasSize(1);
    assertThat(loaded.apply(List.of(localChange(orphan)), new HashMap<>(), false, PACED, false).replies.get(0).error().code())
        .isEqualTo(ErrorCode.MISSING_DEPENDENCIES); // refused and forgotten: not queued by the core either
  }

  @Test
  void aReadOnlyPeersChangesAreRefusedButItKeepsReceivingEveryoneElses() {
    Peer reader = peer("reader", null, true);
    converse(PACED, reader, step(PACED, false, reader.hello()));
    reader.edit("mine", "not stored");
    BatchResult refused = step(PACED, false, reader.sync());
    converse(PACED, reader, refused);
    assertThat(refused.chunk).isNull();
    assertThat(refused.replies).singleElement().satisfies(r -> assertThat(r.error().code()).isEqualTo(ErrorCode.FORBIDDEN));

    BatchResult others = step(PACED, false, localChange(otherChange("theirs")));
    assertThat(others.outgoing).extracting(BatchResult.Outgoing::peerId).containsExactly("reader");
    // Usually the change comes in this message; in about 1 run in 80 the reader's Bloom filter falsely claims it
    // (measured: 37 in 3,000) and the reader asks for it in its answer, as the protocol intends.
    converse(PACED, reader, others);
    assertThat(reader.doc.get(ObjectId.ROOT, "theirs")).isPresent();
    assertThat(docHeads()).hasSize(1); // the reader's change is nowhere in the document
    assertThat(reader.heads()).hasSize(2);
  }

  @Test
  void aSyncFromAPeerThatSaidNoHelloIsRefused() {
    Peer stranger = peer("stranger", null, false);
    stranger.edit("x", "1");
    BatchResult result = step(PACED, false, stranger.sync());
    assertThat(result.replies).singleElement().satisfies(r -> assertThat(r.error().code()).isEqualTo(ErrorCode.UNKNOWN_PEER));
    assertThat(result.chunk).isNull();
  }

  @Test
  void anOpenGetsASnapshotAndSubscribersGetTheViewInChangeEvents() {
    step(PACED, false, localChange(otherChange("before")));
    BatchResult open = step(PACED, false, pending(new DocRequest.Open(ID, true, true)));
    JsonObject reply = open.replies.get(0).body();
    assertThat(reply.getString("snapshot")).isNotEmpty();
    assertThat(reply.getJsonObject("view").getString("before")).isEqualTo("v");
    BatchResult change = step(PACED, false, localChange(otherChange("after")));
    assertThat(change.changeEvent.containsKey("view")).isTrue();
  }

  // ---- helpers ----

  /** One step as the owner runs it, the chunk then taken as stored. */
  private BatchResult step(OwnerSettings settings, boolean flush, Pending... batch) {
    BatchResult result = loaded.apply(List.of(batch), new HashMap<>(), flush, settings, false);
    if (result.chunk != null) {
      loaded.markStored(result.heads);
    }
    return result;
  }

  /**
   * A first change, so that a peer greeting next receives changes and answers them. (An empty document is
   * sent whole to a peer that has nothing, as one entry the pacing counts as changes, and no answer comes.)
   */
  private void seed(OwnerSettings settings) {
    step(settings, false, localChange(otherChange("seed")));
  }

  /** Exchanges messages with {@code peer} until both are quiet (the clock does not move: no pacing may be involved). */
  private void converse(OwnerSettings settings, Peer peer) {
    converse(settings, peer, null);
  }

  private void converse(OwnerSettings settings, Peer peer, BatchResult last) {
    for (int round = 0; round < 20; round++) {
      if (last != null) {
        peer.receive(last.outgoing);
      }
      Pending next = peer.sync();
      if (next == null && (last == null || last.outgoing.isEmpty()) && round > 0) {
        return;
      }
      last = next == null ? step(settings, false) : step(settings, false, next);
    }
    throw new AssertionError("no quiet after 20 rounds");
  }

  private ChangeHash[] docHeads() {
    Document copy = Document.load(loaded.save());
    ChangeHash[] heads = copy.getHeads();
    copy.free();
    return heads;
  }

  private static long withChanges(BatchResult result, String peerId) {
    return result.outgoing.stream().filter(o -> o.peerId().equals(peerId))
        .filter(o -> SyncMessageCheck.changeCount(o.message()) > 0).count();
  }

  /** A change of a new actor that sets {@code key} to "v" (no dependencies). */
  private byte[] otherChange(String key) {
    Document doc = new Document();
    Changes.put(doc, key, "v");
    byte[] bytes = doc.encodeChangesSince(new ChangeHash[0]);
    doc.free();
    return bytes;
  }

  private static Pending localChange(byte[] change) {
    return pending(new DocRequest.LocalChange(ID, change, null));
  }

  private static Pending pending(DocRequest request) {
    return new Pending(request, Promise.<JsonObject>promise());
  }

  private static OwnerSettings settings(long paceMs, long intervalMs) {
    return new OwnerSettings(100, 100, 1000, 60_000, 1 << 20, 8, 1L << 30, 1L << 32, 1000, paceMs, intervalMs, 0, 0, 64L << 20);
  }

  private Peer peer(String id, String storageKey, boolean readOnly) {
    Peer peer = new Peer(id, storageKey, readOnly);
    toFree.add(peer);
    return peer;
  }

  /** The other side of a conversation: a real Automerge document and sync state. */
  private static final class Peer implements AutoCloseable {
    final String id;
    final String storageKey;
    final boolean readOnly;
    final Document doc = new Document();
    final SyncState state = new SyncState();

    Peer(String id, String storageKey, boolean readOnly) {
      this.id = id;
      this.storageKey = storageKey;
      this.readOnly = readOnly;
    }

    void edit(String key, String value) {
      Changes.put(doc, key, value);
    }

    Pending hello() {
      byte[] message = doc.generateSyncMessage(state).orElse(null);
      return pending(new DocRequest.Hello(ID, id, storageKey, "out." + id, readOnly, message));
    }

    /** Its next sync message, or null when it has nothing to say. */
    Pending sync() {
      return doc.generateSyncMessage(state).map(m -> pending(new DocRequest.Sync(ID, id, m))).orElse(null);
    }

    void receive(List<BatchResult.Outgoing> outgoing) {
      outgoing.stream().filter(o -> o.peerId().equals(id)).forEach(o -> doc.receiveSyncMessage(state, o.message()));
    }

    List<String> heads() {
      return EventBusPeer.hex(doc.getHeads());
    }

    @Override
    public void close() {
      state.free();
      doc.free();
    }
  }

  private static final class FakeClock implements LongSupplier {
    private long nanos = 1_000_000_000L;

    void advanceMs(long ms) {
      nanos += TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Override
    public long getAsLong() {
      return nanos;
    }
  }
}
