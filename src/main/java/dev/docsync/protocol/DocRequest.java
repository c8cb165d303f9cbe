package dev.docsync.protocol;

/** A parsed, validated request addressed to the owner of one document. */
public sealed interface DocRequest {
  DocId docId();

  /**
   * Frontend: load or create the document and receive its state. {@code subscribe} (OPEN) keeps the
   * document loaded and its change events enriched with views until CLOSE; READ does not.
   */
  record Open(DocId docId, boolean withView, boolean subscribe) implements DocRequest {}

  /** Frontend: Automerge change bytes made locally; acknowledged once durable. */
  record LocalChange(DocId docId, byte[] change, String origin) implements DocRequest {}

  /** Frontend: no longer interested in change events of this document. */
  record Close(DocId docId) implements DocRequest {}

  /**
   * Peer: starts (or resumes) a sync conversation. {@code storageKey} names the persisted sync
   * state; null means an ephemeral peer whose sync state is never stored. A {@code readOnly} peer
   * receives every change, and every change it sends is refused. {@code message}, if not null, is the
   * peer's first sync message: received in the same step, so one answer goes back instead of two
   * crossing rounds (which would each carry the whole history to an empty peer).
   */
  record Hello(DocId docId, String peerId, String storageKey, String address, boolean readOnly, byte[] message)
      implements DocRequest {}

  /** Peer: one Automerge sync message. */
  record Sync(DocId docId, String peerId, byte[] message) implements DocRequest {}

  /** Peer: ends the conversation; its sync state is stored before the reply. */
  record Bye(DocId docId, String peerId) implements DocRequest {}
}
