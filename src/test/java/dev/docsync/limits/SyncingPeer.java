package dev.docsync.limits;

import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Comparator;
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
 * An automerge-repo peer on a {@link RawWsClient}, written against org.automerge: one Document and
 * SyncState per document, answering every sync message as automerge-repo's DocSynchronizer does.
 * The "other client" of the limit tests: it must keep syncing while someone else is refused.
 */
public final class SyncingPeer implements AutoCloseable {
  private final RawWsClient client;
  private final Map<String, Document> docs = new HashMap<>();
  private final Map<String, SyncState> states = new HashMap<>();

  public SyncingPeer(RawWsClient client, String peerId) {
    this.client = client;
    client.onEveryMessage(this::onMessage);
    client.join(peerId);
  }

  public RawWsClient client() {
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

  public synchronized List<String> heads(String docId) {
    return Arrays.stream(docs.get(docId).getHeads()).map(h -> HexFormat.of().formatHex(h.getBytes())).sorted().toList();
  }

  /** The server's heads of a document (READ on the event bus), sorted. */
  public static List<String> serverHeads(TestService service, String docId) {
    JsonObject reply = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", docId)));
    JsonArray heads = reply.getJsonArray("heads");
    return heads.stream().map(Object::toString).sorted(Comparator.naturalOrder()).toList();
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
