package dev.docsync.doc;

import org.automerge.Document;
import org.automerge.SyncState;

/** One peer's sync conversation about one document. Confined to the document's owner. */
final class PeerSession {
  final String peerId;
  final String storageKey;
  final String address;
  final boolean readOnly;
  SyncState state;
  /**
   * A read-only peer that sent changes talks to this copy from then on: the conversation goes on
   * (it keeps receiving everyone's changes) while its own changes stay here, unstored, unshared.
   */
  Document shadow;
  boolean dirty;

  PeerSession(String peerId, String storageKey, String address, boolean readOnly, SyncState state) {
    this.peerId = peerId;
    this.storageKey = storageKey;
    this.address = address;
    this.readOnly = readOnly;
    this.state = state;
  }

  boolean persistent() {
    return storageKey != null;
  }

  /**
   * Forgets what was in flight and keeps only the shared heads, as a stored state would: a peer
   * that says HELLO again may have lost whatever we sent it last time.
   */
  void restart() {
    SyncState fresh = SyncState.decode(state.encode());
    state.free();
    state = fresh;
  }

  void free() {
    state.free();
    if (shadow != null) {
      shadow.free();
    }
  }
}
