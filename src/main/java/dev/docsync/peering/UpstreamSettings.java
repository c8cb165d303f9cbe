package dev.docsync.peering;

import java.util.List;

/**
 * Outbound peering: other sync servers (docsync or the automerge-repo sync server) this node dials.
 *
 * @param urls WebSocket URLs of their sync endpoints, e.g. ws://other:8080/sync
 * @param docIds the documents to keep in sync with them; empty means every document this node holds
 * @param token sent as "?token=" when the other server wants one, or null
 * @param maxBackoffMs longest wait between reconnection attempts
 */
public record UpstreamSettings(List<String> urls, List<String> docIds, String token, long maxBackoffMs) {
  public boolean allDocuments() {
    return docIds.isEmpty();
  }
}
