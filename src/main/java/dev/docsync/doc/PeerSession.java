package dev.docsync.doc;

import org.automerge.ChangeHash;
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
  /** When we sent the last message with changes that the peer has not answered yet (nanoTime), or 0. */
  long unansweredSince;
  /** When we sent the last message with changes (nanoTime), or 0. */
  long changesSentAt;
  /** Messages were held back by pacing: generate for this peer on the next step even if nothing changed. */
  boolean behind;
  /** A message of this peer was received and no message was generated for it since (see LoadedDocument). */
  boolean owesReply;
  /**
   * The document's heads when the peer's last message stated exactly them and carried and asked for nothing,
   * else null: while the document still has them, a generate for this peer returns nothing (see LoadedDocument).
   */
  ChangeHash[] settledAt;
  /** A message was generated for this peer since its state was made (newer cores always answer a first message). */
  boolean responded;

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
    owesReply = false;
    settledAt = null;
    responded = false;
    unansweredSince = 0;
    changesSentAt = 0;
    behind = true;
    SyncState fresh = SyncState.decode(state.encode());
    state.free();
    state = fresh;
  }

  /**
   * Nanoseconds before the next message may go (0: now): while the last one with changes is
   * unanswered, up to {@code paceNanos} after it; in any case {@code intervalNanos} after it.
   */
  long paceWait(long now, long paceNanos, long intervalNanos) {
    long unanswered = unansweredSince == 0 ? 0 : unansweredSince + paceNanos - now;
    long interval = changesSentAt == 0 ? 0 : changesSentAt + intervalNanos - now;
    return Math.max(0, Math.max(unanswered, interval));
  }

  void sentChanges(long now) {
    unansweredSince = now;
    changesSentAt = now;
  }

  void free() {
    state.free();
    if (shadow != null) {
      shadow.free();
    }
  }
}
