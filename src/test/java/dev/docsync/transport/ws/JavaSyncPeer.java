package dev.docsync.transport.ws;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.automerge.Document;
import org.automerge.SyncState;
import org.automerge.Transaction;

/**
 * An automerge-repo peer written against org.automerge: one Document and SyncState per document,
 * multiplexed on one {@link CborWsClient}. It answers every sync message as DocSynchronizer does,
 * and opens a document with {@code request} when it has nothing, {@code sync} otherwise.
 */
final class JavaSyncPeer implements AutoCloseable {
  private final CborWsClient client;
  private final Map<String, Document> docs = new HashMap<>();
  private final Map<String, SyncState> states = new HashMap<>();

  JavaSyncPeer(CborWsClient client) {
    this.client = client;
    client.onEveryMessage(this::onMessage);
  }

  CborWsClient client() {
    return client;
  }

  /** Starts syncing {@code docId}, holding an empty document when {@code initial} is null. */
  synchronized void open(String docId, Consumer<Transaction> initial) {
    Document doc = new Document();
    if (initial != null) {
      try (Transaction tx = doc.startTransaction()) {
        initial.accept(tx);
        tx.commit();
      }
    }
    docs.put(docId, doc);
    states.put(docId, new SyncState());
    sendNext(docId, initial == null ? "request" : "sync");
  }

  /** A local edit, then a sync message if the conversation allows one now. */
  synchronized void change(String docId, Consumer<Transaction> edit) {
    try (Transaction tx = docs.get(docId).startTransaction()) {
      edit.accept(tx);
      tx.commit();
    }
    sendNext(docId, "sync");
  }

  private synchronized void onMessage(Map<String, Object> message) {
    if (!"sync".equals(message.get("type"))) {
      return;
    }
    String docId = (String) message.get("documentId");
    Document doc = docs.get(docId);
    if (doc != null) {
      doc.receiveSyncMessage(states.get(docId), (byte[]) message.get("data"));
      sendNext(docId, "sync");
    }
  }

  private void sendNext(String docId, String type) {
    Optional<byte[]> next = docs.get(docId).generateSyncMessage(states.get(docId));
    next.ifPresent(data -> client.sendDoc(type, docId, data));
  }

  synchronized Document doc(String docId) {
    return docs.get(docId);
  }

  synchronized List<String> heads(String docId) {
    return Arrays.stream(docs.get(docId).getHeads()).map(h -> HexFormat.of().formatHex(h.getBytes())).sorted().toList();
  }

  @Override
  public synchronized void close() {
    client.close();
    states.values().forEach(SyncState::free);
    docs.values().forEach(Document::free);
    states.clear();
    docs.clear();
  }
}
