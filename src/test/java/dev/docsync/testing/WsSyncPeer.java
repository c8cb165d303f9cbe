package dev.docsync.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.automerge.Document;
import org.automerge.SyncState;
import org.automerge.Transaction;

/**
 * An automerge-repo peer written against org.automerge, multiplexed on one {@link WsClient}: one Document
 * and SyncState per document, answering every sync message as automerge-repo's DocSynchronizer does, and
 * opening a document with {@code request} when it has nothing, {@code sync} otherwise.
 */
public final class WsSyncPeer implements AutoCloseable {
  private final WsClient client;
  private final Map<String, Document> docs = new HashMap<>();
  private final Map<String, SyncState> states = new HashMap<>();

  /** On a client that joins (or has joined) by itself. */
  public WsSyncPeer(WsClient client) {
    this.client = client;
    client.onEveryMessage(this::onMessage);
  }

  /** Joins as {@code peerId} (an ephemeral client). */
  public WsSyncPeer(WsClient client, String peerId) {
    this(client);
    client.join(peerId);
  }

  public WsClient client() {
    return client;
  }

  /** Starts syncing {@code docId}, with {@code initial} as its first change (null: asks for it). */
  public synchronized void open(String docId, Consumer<Transaction> initial) {
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
  public synchronized void change(String docId, Consumer<Transaction> edit) {
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

  public synchronized Document doc(String docId) {
    return docs.get(docId);
  }

  /** This peer's heads of a document, hex, sorted. */
  public synchronized List<String> heads(String docId) {
    return EventBusPeer.hex(docs.get(docId).getHeads());
  }

  /** What a client sends to ask for a document it does not have. */
  public static byte[] emptyDocSyncMessage() {
    Document empty = new Document();
    SyncState state = new SyncState();
    byte[] message = empty.generateSyncMessage(state).orElseThrow();
    state.free();
    empty.free();
    return message;
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
