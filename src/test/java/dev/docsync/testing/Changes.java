package dev.docsync.testing;

import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;

/** Real Automerge changes for tests that post or send them. */
public final class Changes {
  private Changes() {}

  /** One change of a new document (its own actor) that sets {@code key} to {@code value} at the root. */
  public static byte[] set(String key, String value) {
    Document doc = new Document();
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, key, value);
      tx.commit();
    }
    byte[] bytes = doc.encodeChangesSince(new ChangeHash[0]);
    doc.free();
    return bytes;
  }
}
