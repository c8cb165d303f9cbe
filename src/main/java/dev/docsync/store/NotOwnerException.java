package dev.docsync.store;

import dev.docsync.protocol.DocId;

/**
 * A write or an acquisition refused because another node holds the document's lease. {@code holder} is that
 * node's id when known (an acquisition refused by a live holder), else null (a write fenced after a takeover).
 */
public final class NotOwnerException extends RuntimeException {
  private final transient DocId docId;
  private final String holder;

  public NotOwnerException(DocId docId, String holder) {
    super(holder == null ? "document " + docId + " has a new owner" : "document " + docId + " is owned by node " + holder);
    this.docId = docId;
    this.holder = holder;
  }

  public DocId docId() {
    return docId;
  }

  /** The node holding the lease, or null when not known. */
  public String holder() {
    return holder;
  }
}
