package dev.docsync.store;

import dev.docsync.protocol.DocId;

/**
 * What the database holds of one document.
 *
 * @param storedBytes bytes of its snapshot and chunks
 * @param chunks how many rows (a snapshot and incremental chunks)
 * @param lastChangeMs when its newest chunk was written, epoch ms
 */
public record StoredDocument(DocId docId, long storedBytes, int chunks, long lastChangeMs) {}
