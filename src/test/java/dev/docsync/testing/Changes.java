package dev.docsync.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.automerge.Transaction;

/** Real Automerge changes for tests that post or send them. */
public final class Changes {
  private Changes() {}

  /** One change of a new document (its own actor) that sets {@code key} to {@code value} at the root. */
  public static byte[] set(String key, String value) {
    Document doc = new Document();
    put(doc, key, value);
    byte[] bytes = doc.encodeChangesSince(new ChangeHash[0]);
    doc.free();
    return bytes;
  }

  /** Commits one change to {@code doc} that sets {@code key} to {@code value} at the root. */
  public static void put(Document doc, String key, String value) {
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, key, value);
      tx.commit();
    }
  }

  /** Sync messages both ways, a's first, until both are quiet or {@code maxRounds} passed; every message exchanged. */
  public static List<byte[]> converse(Document a, SyncState aState, Document b, SyncState bState, int maxRounds) {
    List<byte[]> messages = new ArrayList<>();
    for (int round = 0; round < maxRounds; round++) {
      Optional<byte[]> fromA = a.generateSyncMessage(aState);
      fromA.ifPresent(m -> {
        messages.add(m);
        b.receiveSyncMessage(bState, m);
      });
      Optional<byte[]> fromB = b.generateSyncMessage(bState);
      fromB.ifPresent(m -> {
        messages.add(m);
        a.receiveSyncMessage(aState, m);
      });
      if (fromA.isEmpty() && fromB.isEmpty()) {
        break;
      }
    }
    return messages;
  }
}
