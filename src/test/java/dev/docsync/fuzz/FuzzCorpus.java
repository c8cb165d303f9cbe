package dev.docsync.fuzz;

import dev.docsync.testing.Changes;
import dev.docsync.testing.WsClient;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.NewValue;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;

/**
 * Valid material the fuzzers start from: real Automerge sync messages and changes, built once from a
 * seeded Random. Two pools of sync-message bytes: {@link #changeData} (an exchange between two peers,
 * carrying changes) only ever travels to the fuzz documents; {@link #safeData} (requests and first-round
 * messages: heads and bloom filters, never a change) may travel to the protected documents too, so that
 * no mutation can ever carry a real change into a document the test checks is unchanged.
 */
final class FuzzCorpus {
  final List<String> fuzzDocs;
  final List<String> protectedDocs;
  final List<byte[]> changeData = new ArrayList<>();
  final List<byte[]> safeData = new ArrayList<>();
  /** Base64 of encoded changes of fuzz documents (for the bridges' LOCAL_CHANGE), by fuzz document. */
  final Map<String, List<String>> changes = new LinkedHashMap<>();
  /** CBOR payloads of ephemeral messages: automerge-repo Presence messages and others. */
  final List<byte[]> ephemeralData = new ArrayList<>();

  FuzzCorpus(long seed, List<String> fuzzDocs, List<String> protectedDocs, List<byte[]> protectedSnapshots) {
    this.fuzzDocs = fuzzDocs;
    this.protectedDocs = protectedDocs;
    Random random = new Random(seed);
    for (String doc : fuzzDocs) {
      exchange(doc, random);
    }
    Document empty = new Document();
    SyncState state = new SyncState();
    safeData.add(empty.generateSyncMessage(state).orElseThrow());
    state.free();
    empty.free();
    for (byte[] snapshot : protectedSnapshots) {
      Document loaded = Document.load(snapshot);
      SyncState fresh = new SyncState();
      loaded.generateSyncMessage(fresh).ifPresent(safeData::add); // first round: heads and bloom, no change
      fresh.free();
      loaded.free();
    }
    ephemeralData.add(cbor(Map.of("__presence", Map.of("type", "snapshot", "state",
        Map.of("user", Map.of("name", "Fuzz", "color", "#123456"), "cursor", "c-1", "typing", true)))));
    ephemeralData.add(cbor(Map.of("__presence", Map.of("type", "update", "channel", "cursor", "value", "c-2"))));
    ephemeralData.add(cbor(Map.of("__presence", Map.of("type", "update", "channel", "selection",
        "value", Map.of("anchor", "a", "head", "b")))));
    ephemeralData.add(cbor(Map.of("__presence", Map.of("type", "heartbeat"))));
    ephemeralData.add(cbor(Map.of("__presence", Map.of("type", "goodbye"))));
    ephemeralData.add(cbor(Map.of("cursor", List.of(1, 2, 3))));
    ephemeralData.add(new byte[] {1, 2, 3});
  }

  /** Two peers sync a document with a few changes; every message of the conversation joins the change pool. */
  private void exchange(String docId, Random random) {
    Document a = new Document();
    List<String> encoded = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      ChangeHash[] before = a.getHeads();
      try (Transaction tx = a.startTransaction()) {
        tx.set(ObjectId.ROOT, "title-" + round, "fuzz " + random.nextInt(1000));
        tx.set(ObjectId.ROOT, "n-" + round, random.nextInt());
        tx.set(ObjectId.ROOT, "counter-" + round, NewValue.counter(random.nextInt(100)));
        ObjectId list = tx.set(ObjectId.ROOT, "list-" + round, ObjectType.LIST);
        for (int i = 0; i < 3; i++) {
          tx.insert(list, i, "item " + random.nextInt(100));
        }
        tx.set(ObjectId.ROOT, "bytes-" + round, randomBytes(random, 16));
        tx.commit();
      }
      encoded.add(Base64.getEncoder().encodeToString(a.encodeChangesSince(before))); // depends on the rounds before
    }
    encoded.add(Base64.getEncoder().encodeToString(a.encodeChangesSince(new ChangeHash[0])));
    changes.put(docId, encoded);
    Document b = new Document();
    SyncState sa = new SyncState();
    SyncState sb = new SyncState();
    changeData.addAll(Changes.converse(a, sa, b, sb, 8));
    sa.free();
    sb.free();
    a.free();
    b.free();
  }

  static byte[] randomBytes(Random random, int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  static byte[] cbor(Object value) {
    return WsClient.encode(value);
  }
}
