package dev.docsync.doc;

import org.automerge.Document;
import org.automerge.SyncState;

/** What a sync message holds, found out with the binding itself rather than by parsing the format. */
final class SyncMessages {
  private static final int EMPTY_SAVE_LENGTH = emptySaveLength();

  private SyncMessages() {}

  /**
   * True when the message carries changes: received by an empty scratch document, they grow its
   * save() (changes whose dependencies are missing are kept there too). Costs O(message), not O(history).
   */
  static boolean carriesChanges(byte[] message) {
    Document scratch = new Document();
    SyncState state = new SyncState();
    try {
      scratch.receiveSyncMessage(state, message);
      return scratch.save().length != EMPTY_SAVE_LENGTH;
    } catch (RuntimeException e) {
      return true; // not a valid message: the real receive will refuse it
    } finally {
      state.free();
      scratch.free();
    }
  }

  private static int emptySaveLength() {
    Document empty = new Document();
    try {
      return empty.save().length;
    } finally {
      empty.free();
    }
  }
}
