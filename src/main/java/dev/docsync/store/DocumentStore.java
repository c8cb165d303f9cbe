package dev.docsync.store;

import dev.docsync.protocol.DocId;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/** Durable storage of documents and sync states. Every returned Future completes once PostgreSQL has committed. */
public interface DocumentStore {

  /** All chunks of a document, snapshots first; empty when the document was never stored. */
  Future<List<StoredChunk>> loadChunks(DocId docId);

  /**
   * Takes the write lease of a document for {@code nodeId}, with the next epoch, unless a node among
   * {@code liveNodes} holds an unexpired one: then fails with {@link NotOwnerException} naming that node.
   */
  Future<Lease> acquireLease(DocId docId, String nodeId, List<String> liveNodes, long leaseMs);

  /** Extends the given leases by {@code leaseMs}; returns the documents whose lease was still held (same epoch). */
  Future<Set<DocId>> renewLeases(String nodeId, Collection<Lease> held, long leaseMs);

  /** Gives a lease up: any node may take the document next. */
  Future<Void> releaseLease(Lease lease);

  /**
   * Appends encoded changes as an incremental chunk under {@code lease}; concurrent appends share commits.
   * Returns the chunk id; fails with {@link NotOwnerException} when the lease is no longer held.
   */
  Future<Long> appendChunk(Lease lease, byte[] changes);

  /**
   * Stores {@code snapshot} and deletes exactly {@code foldedChunkIds} (the chunks it contains), atomically, under
   * {@code lease}. Returns the id of the new snapshot chunk.
   */
  Future<Long> replaceWithSnapshot(Lease lease, byte[] snapshot, List<Long> foldedChunkIds);

  /** The encoded sync state stored for (doc, peer), or null. */
  Future<byte[]> loadSyncState(DocId docId, String peerKey);

  /** Upserts sync states of the lease's document in one commit; {@link NotOwnerException} when not held. */
  Future<Void> saveSyncStates(Lease lease, List<SyncStateRecord> states);

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
