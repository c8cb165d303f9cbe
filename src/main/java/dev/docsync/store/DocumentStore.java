package dev.docsync.store;

import dev.docsync.protocol.DocId;
import io.vertx.core.Future;
import java.util.List;

/** Durable storage of documents and sync states. Every returned Future completes once PostgreSQL has committed. */
public interface DocumentStore {

  /** All chunks of a document, snapshots first; empty when the document was never stored. */
  Future<List<StoredChunk>> loadChunks(DocId docId);

  /** Appends encoded changes as an incremental chunk; concurrent appends share commits. Returns the chunk id. */
  Future<Long> appendChunk(DocId docId, byte[] changes);

  /**
   * Stores {@code snapshot} and deletes exactly {@code foldedChunkIds} (the chunks it contains), atomically.
   * Returns the id of the new snapshot chunk.
   */
  Future<Long> replaceWithSnapshot(DocId docId, byte[] snapshot, List<Long> foldedChunkIds);

  /** The encoded sync state stored for (doc, peer), or null. */
  Future<byte[]> loadSyncState(DocId docId, String peerKey);

  /** Upserts sync states in one commit. */
  Future<Void> saveSyncStates(List<SyncStateRecord> states);

  /** Ids of every stored document. */
  Future<List<DocId>> listDocIds();

  /** Stored documents in docId order, after {@code afterDocId} (null: from the first), at most {@code limit}. */
  Future<List<StoredDocument>> listDocuments(String afterDocId, int limit);

  /** Deletes everything stored of a document (chunks, sync states, chat) in one transaction; the rows deleted. */
  Future<Long> deleteDocument(DocId docId);

  /** The server's stable identity, created on first use. */
  Future<ServerIdentity> identity();

  /** Succeeds when the database answers. */
  Future<Void> ping();

  Future<Void> close();
}
