package dev.docsync.store;

import dev.docsync.protocol.DocId;

/** An encoded Automerge sync state of one peer for one document. */
public record SyncStateRecord(DocId docId, String peerKey, byte[] state) {}
