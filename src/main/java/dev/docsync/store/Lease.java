package dev.docsync.store;

import dev.docsync.protocol.DocId;

/**
 * The right of one node to write one document. {@code epoch} is the fencing token: every write names it, and a
 * write whose epoch is no longer the document's is refused by the database ({@link NotOwnerException}).
 */
public record Lease(DocId docId, String owner, long epoch) {}
