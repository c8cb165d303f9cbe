package dev.docsync.testing;

import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Base64s;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.Transaction;

/**
 * A frontend as the seeds describe it: it edits its own replica, sends each change as LOCAL_CHANGE,
 * and applies the change events the server publishes for the document.
 */
public final class EventBusFrontend implements AutoCloseable {
  private final Vertx vertx;
  private final String docId;
  private final String origin;
  private Document doc;
  private MessageConsumer<JsonObject> events;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private JsonObject openReply;

  public EventBusFrontend(Vertx vertx, String docId, String origin) {
    this.vertx = vertx;
    this.docId = docId;
    this.origin = origin;
  }

  /** Subscribes first, then OPENs, so no change falls between the snapshot and the events. */
  public JsonObject open() {
    events = vertx.eventBus().consumer(Addresses.changes(docId), m -> apply(m.body()));
    Await.result(events.completion());
    openReply = Await.result(vertx.eventBus().<JsonObject>request(Addresses.FRONTEND,
        new JsonObject().put("type", "OPEN").put("docId", docId)).map(m -> m.body()));
    synchronized (this) {
      doc = Document.load(Base64s.decode(openReply.getString("snapshot"), "snapshot"));
    }
    return openReply;
  }

  private synchronized void apply(JsonObject event) {
    received.add(event);
    if (doc != null) {
      doc.applyEncodedChanges(Base64s.decode(event.getString("changes"), "changes"));
    }
  }

  /** Makes a change locally and sends it; the future completes with the server's acknowledgement. */
  public Future<JsonObject> change(Consumer<Transaction> edit) {
    byte[] change;
    synchronized (this) {
      ChangeHash[] before = doc.getHeads();
      try (Transaction tx = doc.startTransaction()) {
        edit.accept(tx);
        tx.commit();
      }
      change = doc.encodeChangesSince(before);
    }
    return vertx.eventBus().<JsonObject>request(Addresses.FRONTEND, new JsonObject()
        .put("type", "LOCAL_CHANGE").put("docId", docId).put("origin", origin)
        .put("change", Base64s.encode(change))).map(m -> m.body());
  }

  public synchronized Document doc() {
    return doc;
  }

  public synchronized List<String> heads() {
    return EventBusPeer.hex(doc.getHeads());
  }

  public List<JsonObject> received() {
    return received;
  }

  @Override
  public synchronized void close() {
    if (events != null) {
      try {
        events.unregister();
      } catch (java.util.concurrent.RejectedExecutionException alreadyClosed) {
        // The Vert.x instance is gone, and its consumers with it.
      }
    }
    if (doc != null) {
      doc.free();
    }
  }
}
