package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.limits.ChunkScan;
import dev.docsync.limits.SyncMessageCheck;
import dev.docsync.store.StoredChunk;
import dev.docsync.testing.Changes;
import dev.docsync.testing.WsSyncPeer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.junit.jupiter.api.Test;

/**
 * The whole-document message built from stored chunks (no load) against the real Automerge core: an empty peer
 * takes it as it takes the core's own, ends with the same document, and the conversation that follows with a server
 * holding the sync state that comes with it carries no change twice.
 */
class WholeDocumentMessageTest {

  @Test
  void anEmptyPeerTakesTheStoredSnapshotAndChunksAsTheCoreWouldSendThem() {
    Document server = new Document();
    List<StoredChunk> chunks = storedWithConcurrentTail(server);
    WholeDocumentMessage whole = WholeDocumentMessage.of(chunks);
    Document peer = new Document();
    SyncState peerState = new SyncState();
    try {
      assertThat(server.getHeads()).hasSize(2); // two actors wrote concurrently after the snapshot
      assertThat(hexSorted(WholeDocumentMessage.heads(ChunkScan.of(concat(chunks), Long.MAX_VALUE))))
          .isEqualTo(hexSorted(server.getHeads()));
      assertThat(SyncMessageCheck.problem(whole.message())).isNull();

      peer.receiveSyncMessage(peerState, whole.message());
      assertThat(hexSorted(peer.getHeads())).isEqualTo(hexSorted(server.getHeads()));
      assertThat(peer.keys(ObjectId.ROOT).orElseThrow()).containsExactlyInAnyOrder(
          server.keys(ObjectId.ROOT).orElseThrow());

      SyncState serverState = SyncState.decode(whole.syncState());
      List<byte[]> afterwards = Changes.converse(server, serverState, peer, peerState, 10);
      assertThat(afterwards).allSatisfy(m -> assertThat(SyncMessageCheck.changeCount(m)).isZero());
      assertThat(afterwards.stream().mapToInt(m -> m.length).sum()).isLessThan(400);

      Changes.put(server, "later", "1");
      List<byte[]> next = Changes.converse(server, serverState, peer, peerState, 10);
      assertThat(peer.get(ObjectId.ROOT, "later")).isPresent();
      assertThat(next.stream().mapToLong(SyncMessageCheck::changeCount).sum()).isEqualTo(1);
      serverState.free();
    } finally {
      peerState.free();
      peer.free();
      server.free();
    }
  }

  @Test
  void onlyAnEmptyPeerThatReadsVersionTwoMessagesIsSentTheDocumentWhole() {
    byte[] empty = WsSyncPeer.emptyDocSyncMessage();
    assertThat(SyncMessageCheck.fromEmptyPeerTakingDocuments(empty)).isTrue();
    byte[] v1Only = Arrays.copyOf(empty, empty.length - 3); // the capabilities [1, 2] cut off: an old peer
    assertThat(SyncMessageCheck.problem(v1Only)).isNull();
    assertThat(SyncMessageCheck.fromEmptyPeerTakingDocuments(v1Only)).isFalse();

    Document holder = new Document();
    Changes.put(holder, "k", "1");
    SyncState state = new SyncState();
    assertThat(SyncMessageCheck.fromEmptyPeerTakingDocuments(holder.generateSyncMessage(state).orElseThrow())).isFalse();
    assertThat(SyncMessageCheck.fromEmptyPeerTakingDocuments(new byte[] {0x42, 0, 0})).isFalse();
    assertThat(SyncMessageCheck.fromEmptyPeerTakingDocuments(new byte[0])).isFalse();
    state.free();
    holder.free();
  }

  @Test
  void garbledFirstMessagesAreNeverMistakenForAnEmptyPeerNorThrow() {
    byte[] empty = WsSyncPeer.emptyDocSyncMessage();
    java.util.Random random = new java.util.Random(7);
    int taken = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] garbled = Arrays.copyOf(empty, random.nextInt(empty.length + 8));
      for (int flips = random.nextInt(4); flips > 0 && garbled.length > 0; flips--) {
        garbled[random.nextInt(garbled.length)] = (byte) random.nextInt(256);
      }
      if (SyncMessageCheck.fromEmptyPeerTakingDocuments(garbled)) {
        taken++;
        // Whatever it is, it states no heads, needs nothing and carries nothing: the whole document is all it can get.
        assertThat(SyncMessageCheck.headsIfBare(garbled, true)).isEmpty();
      }
    }
    assertThat(taken).isPositive();
  }

  /** A snapshot of 50 changes, then one chunk each from two actors that did not see each other. */
  private static List<StoredChunk> storedWithConcurrentTail(Document server) {
    for (int i = 0; i < 50; i++) {
      Changes.put(server, "k" + i, String.valueOf(i));
    }
    List<StoredChunk> chunks = new ArrayList<>();
    chunks.add(new StoredChunk(1, StoredChunk.Kind.SNAPSHOT, server.save()));
    ChangeHash[] snapshot = server.getHeads();
    Document other = server.fork();
    Changes.put(server, "a", "1");
    Changes.put(other, "b", "2");
    chunks.add(new StoredChunk(2, StoredChunk.Kind.INCREMENTAL, server.encodeChangesSince(snapshot)));
    byte[] theirs = other.encodeChangesSince(snapshot);
    server.applyEncodedChanges(theirs);
    chunks.add(new StoredChunk(3, StoredChunk.Kind.INCREMENTAL, theirs));
    other.free();
    return chunks;
  }

  private static byte[] concat(List<StoredChunk> chunks) {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    chunks.forEach(c -> all.writeBytes(c.data()));
    return all.toByteArray();
  }

  private static List<String> hexSorted(ChangeHash[] heads) {
    return hexSorted(Arrays.stream(heads).map(ChangeHash::getBytes).toList());
  }

  private static List<String> hexSorted(List<byte[]> heads) {
    return heads.stream().map(HexFormat.of()::formatHex).sorted().toList();
  }
}
