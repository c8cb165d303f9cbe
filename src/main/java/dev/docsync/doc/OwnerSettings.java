package dev.docsync.doc;

/**
 * Tunables of document owners.
 *
 * @param queueLimit requests a document may hold waiting before new ones are refused (OVERLOADED)
 * @param batchMax requests applied in one serial step
 * @param syncStateFlushMs debounce before changed sync states are stored
 * @param idleUnloadMs an unpinned document idle this long is unloaded
 * @param compactMinBytes incremental bytes below which a document is never compacted
 * @param compactMaxChunks a document with more chunks than this is compacted
 * @param docMaxBytes estimated native memory a document may reach: changes that would take it past are refused, and a larger one is not loaded
 * @param memoryBudgetBytes estimated native memory of all loaded documents; least recently used ones are unloaded past it
 * @param shutdownTimeoutMs how long a stopping node waits for documents to finish their queued work
 * @param syncPaceMs a peer that has not answered our last message with changes gets the next one when
 *     it answers, or after this long at the latest
 * @param syncIntervalMs a peer gets at most one message with changes per this interval
 * @param syncBusyMessagesPerSecond messages with changes a busy document sends a second, over all its peers (see
 *     BusyDocument); 0: never coalesced
 * @param changeMaxOps most operations one request (LOCAL_CHANGE or sync message) may carry; 0: no limit
 * @param changeMaxBytes most bytes a request's compressed changes may inflate to
 */
public record OwnerSettings(int queueLimit, int batchMax, long syncStateFlushMs, long idleUnloadMs,
                            long compactMinBytes, int compactMaxChunks, long docMaxBytes, long memoryBudgetBytes,
                            long shutdownTimeoutMs, long syncPaceMs, long syncIntervalMs, long syncBusyMessagesPerSecond,
                            long changeMaxOps, long changeMaxBytes) {

  /** The settings of one of {@code shards} shards: the node's memory budget split between them. */
  OwnerSettings shareOf(int shards) {
    return new OwnerSettings(queueLimit, batchMax, syncStateFlushMs, idleUnloadMs, compactMinBytes, compactMaxChunks,
        docMaxBytes, memoryBudgetBytes / shards, shutdownTimeoutMs, syncPaceMs, syncIntervalMs, syncBusyMessagesPerSecond,
        changeMaxOps, changeMaxBytes);
  }
}
