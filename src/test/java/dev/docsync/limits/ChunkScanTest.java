package dev.docsync.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/** ChunkScan reads what Automerge writes, and what an attacker forges, without the core. */
class ChunkScanTest {
  private static final long NO_CAP = Long.MAX_VALUE;

  @Test
  void countsOperationsChangesAndHashesOfRealChanges() {
    Document doc = new Document();
    ObjectId text;
    try (Transaction tx = doc.startTransaction()) {
      text = tx.set(ObjectId.ROOT, "text", ObjectType.TEXT);
      tx.spliceText(text, 0, 0, "x".repeat(1_000));
      tx.commit();
    }
    ChangeHash[] first = doc.getHeads();
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, "k", "v".repeat(5_000));
      tx.set(ObjectId.ROOT, "n", 1);
      tx.commit();
    }
    byte[] changes = doc.encodeChangesSince(new ChangeHash[0]);
    ChunkScan scan = ChunkScan.of(changes, NO_CAP);
    assertThat(scan.ops()).isEqualTo(1_001 + 2);
    assertThat(scan.changes()).isEqualTo(2);
    assertThat(scan.valueBytes()).isBetween(6_000L, 6_100L);
    assertThat(scan.changeList().get(0).hash()).isEqualTo(first[0].getBytes());
    assertThat(scan.changeList().get(1).hash()).isEqualTo(doc.getHeads()[0].getBytes());
    assertThat(scan.changeList().get(1).deps()).singleElement().isEqualTo(first[0].getBytes());

    byte[] compressed = ForgedChanges.compress(doc.encodeChangesSince(first));
    assertThat(compressed[8]).isEqualTo((byte) 2);
    assertThat(ChunkScan.of(compressed, NO_CAP).changeList().get(0).hash()).isEqualTo(doc.getHeads()[0].getBytes());
    Document other = doc.fork(first);
    other.applyEncodedChanges(compressed); // the core takes it
    assertThat(other.getHeads()[0].getBytes()).isEqualTo(doc.getHeads()[0].getBytes());
    other.free();

    ChunkScan saved = ChunkScan.of(doc.save(), NO_CAP);
    assertThat(saved.hasDocuments()).isTrue();
    assertThat(saved.ops()).isEqualTo(1_003);
    assertThat(saved.changes()).isEqualTo(2);
    assertThat(saved.valueBytes()).isBetween(6_000L, 6_100L);
    doc.free();
  }

  @Test
  void readsTheChangesOfSyncMessages() {
    Document a = new Document();
    try (Transaction tx = a.startTransaction()) {
      tx.set(ObjectId.ROOT, "x", 1);
      tx.set(ObjectId.ROOT, "y", 2);
      tx.commit();
    }
    Document b = new Document();
    SyncState sa = new SyncState();
    SyncState sb = new SyncState();
    byte[] hello = b.generateSyncMessage(sb).orElseThrow();
    assertThat(SyncMessageCheck.scanChanges(hello, NO_CAP).changes()).isZero();
    a.receiveSyncMessage(sa, hello);
    byte[] withChanges = a.generateSyncMessage(sa).orElseThrow();
    ChunkScan scan = SyncMessageCheck.scanChanges(withChanges, NO_CAP);
    assertThat(scan.ops()).isEqualTo(2);
    assertThat(scan.changes()).isEqualTo(1);
    a.free();
    b.free();
  }

  /** The heads of a bare announcement, and none for a message that carries changes (LoadedDocument's check). */
  @Test
  void readsTheHeadsOfBareMessagesOnly() {
    Document a = new Document();
    try (Transaction tx = a.startTransaction()) {
      tx.set(ObjectId.ROOT, "x", 1);
      tx.commit();
    }
    Document b = new Document();
    SyncState sa = new SyncState();
    SyncState sb = new SyncState();
    byte[] aHello = a.generateSyncMessage(sa).orElseThrow();
    byte[][] stated = SyncMessageCheck.headsIfBare(aHello);
    assertThat(stated.length).isEqualTo(1);
    assertThat(stated[0]).isEqualTo(a.getHeads()[0].getBytes());
    assertThat(SyncMessageCheck.headsIfBare(b.generateSyncMessage(sb).orElseThrow()).length).isZero();
    b.receiveSyncMessage(sb, aHello);
    a.receiveSyncMessage(sa, b.generateSyncMessage(sb).orElseThrow());
    byte[] withChanges = a.generateSyncMessage(sa).orElseThrow();
    assertThat(SyncMessageCheck.changeCount(withChanges)).isPositive();
    assertThat(SyncMessageCheck.headsIfBare(withChanges)).isNull();
    assertThat(SyncMessageCheck.headsIfBare(new byte[] {0x42, 5})).isNull();
    a.free();
    b.free();
    sa.free();
    sb.free();
  }

  /** 100 bytes announcing a billion operations: what Automerge writes for null inserts, at any count. */
  @Test
  void seesEveryOperationThatRunLengthEncodingHides() {
    Document doc = new Document();
    ObjectId list;
    try (Transaction tx = doc.startTransaction()) {
      list = tx.set(ObjectId.ROOT, "l", ObjectType.LIST);
      tx.commit();
    }
    byte[] listChange = doc.getHeads()[0].getBytes();
    byte[] small = ForgedChanges.nullInserts(listChange, doc.getActorId(), 1_000);
    doc.applyEncodedChanges(small);
    assertThat(doc.length(list)).as("the forger writes real changes").isEqualTo(1_000);
    assertThat(ChunkScan.of(small, NO_CAP).ops()).isEqualTo(1_000);

    Document typed = new Document();
    ObjectId text;
    try (Transaction tx = typed.startTransaction()) {
      text = tx.set(ObjectId.ROOT, "t", ObjectType.TEXT);
      tx.commit();
    }
    typed.applyEncodedChanges(ForgedChanges.textInserts(typed.getHeads()[0].getBytes(), typed.getActorId(), 30));
    assertThat(typed.text(text).orElseThrow()).isEqualTo("abcdefghijklmnopqrstuvwxyzabcd");
    typed.free();

    byte[] bomb = ForgedChanges.nullInserts(listChange, doc.getActorId(), 1_000_000_000L);
    assertThat(bomb.length).isLessThan(150);
    assertThat(ChunkScan.of(bomb, NO_CAP).ops()).isEqualTo(1_000_000_000L);
    doc.free();
  }

  @Test
  void refusesDecompressionBombsAndBadFraming() {
    byte[] bomb = ForgedChanges.deflateBomb(64 * 1024 * 1024);
    assertThat(bomb.length).isLessThan(100_000);
    assertThatThrownBy(() -> ChunkScan.of(bomb, 16 * 1024 * 1024)).isInstanceOf(ChunkScan.TooLarge.class);

    Document doc = new Document();
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, "x", 1);
      tx.commit();
    }
    byte[] change = doc.encodeChangesSince(new ChangeHash[0]);
    byte[] badChecksum = change.clone();
    badChecksum[5] ^= 1;
    assertThatThrownBy(() -> ChunkScan.of(badChecksum, NO_CAP)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");
    assertThatThrownBy(() -> ChunkScan.of(Arrays.copyOf(change, change.length - 2), NO_CAP)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChunkScan.of("xyz".getBytes(), NO_CAP)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChunkScan.of(new byte[0], NO_CAP)).isInstanceOf(IllegalArgumentException.class);
    doc.free();
  }
}
