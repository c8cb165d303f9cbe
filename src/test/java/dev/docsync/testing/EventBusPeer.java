package dev.docsync.testing;

import dev.docsync.limits.SyncMessageCheck;
import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Base64s;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.SyncState;

/**
 * A sync peer on the event bus with its own Automerge replica, as another server or a native app
 * would be: HELLO, then answer every message with generateSyncMessage until both sides are quiet.
 * Counts the sync bytes it exchanges. Its sync state survives {@link #bye()} like a real peer's would.
 */
public final class EventBusPeer implements AutoCloseable {
  private final String peerId;
  private final String docId;
  private final Document doc;
  private SyncState state = new SyncState();
  private final AtomicLong bytesIn = new AtomicLong();
  private final AtomicLong bytesOut = new AtomicLong();
  private final boolean readOnly;
  private final List<Throwable> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Long> changesPerMessage = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<byte[]> held = new java.util.ArrayList<>();
  private boolean holding;
  private Vertx vertx;
  private MessageConsumer<JsonObject> inbox;

  public EventBusPeer(String peerId, String docId, Document doc) {
    this(peerId, docId, doc, false);
  }

  public EventBusPeer(String peerId, String docId, Document doc, boolean readOnly) {
    this.peerId = peerId;
    this.docId = docId;
    this.doc = doc;
    this.readOnly = readOnly;
  }

  /** Says HELLO on {@code vertx} and starts syncing. */
  public void connect(Vertx vertx) {
    this.vertx = vertx;
    inbox = vertx.eventBus().consumer(Addresses.peerOutbox(peerId), m -> receive(m.body()));
    Await.result(inbox.completion());
    Await.result(request("HELLO", null));
    sendNext();
  }

  /** Says HELLO with its first sync message in it, as the first message of a WebSocket peer travels. */
  public void connectWithFirstMessage(Vertx vertx) {
    this.vertx = vertx;
    inbox = vertx.eventBus().consumer(Addresses.peerOutbox(peerId), m -> receive(m.body()));
    Await.result(inbox.completion());
    byte[] first;
    synchronized (this) {
      first = doc.generateSyncMessage(state).orElseThrow();
      bytesOut.addAndGet(first.length);
    }
    Await.result(request("HELLO", first));
  }

  private synchronized void receive(JsonObject body) {
    if (!(body.getValue("message") instanceof String)) {
      return; // an event ("moved", "deleted"), not a sync message
    }
    byte[] message = Base64s.decode(body.getString("message"), "message");
    bytesIn.addAndGet(message.length);
    changesPerMessage.add(SyncMessageCheck.changeCount(message));
    if (holding) {
      held.add(message);
      return;
    }
    doc.receiveSyncMessage(state, message);
    sendNext();
  }

  /** From now on, messages are kept unanswered (a slow peer) until {@link #answerHeld()}. */
  public synchronized void holdAnswers() {
    holding = true;
  }

  /** Receives the held messages and answers, then answers as usual again. */
  public synchronized void answerHeld() {
    holding = false;
    held.forEach(message -> doc.receiveSyncMessage(state, message));
    held.clear();
    sendNext();
  }

  /** How many changes each received message carried, in order. */
  public List<Long> changesPerMessage() {
    return changesPerMessage;
  }

  private synchronized void sendNext() {
    doc.generateSyncMessage(state).ifPresent(message -> {
      bytesOut.addAndGet(message.length);
      request("SYNC", message).onFailure(refusals::add);
    });
  }

  /** Ends the conversation; the server stores its side of the sync state. */
  public void bye() {
    Await.result(request("BYE", null));
    Await.result(inbox.unregister());
    synchronized (this) {
      // What a real peer keeps on disk between sessions.
      SyncState stored = SyncState.decode(state.encode());
      state.free();
      state = stored;
    }
  }

  private Future<JsonObject> request(String type, byte[] message) {
    JsonObject body = new JsonObject().put("type", type).put("docId", docId).put("peerId", peerId);
    if (readOnly && type.equals("HELLO")) {
      body.put("readOnly", true);
    }
    if (message != null) {
      body.put("message", Base64s.encode(message));
    }
    return vertx.eventBus().<JsonObject>request(Addresses.PEER, body).map(m -> m.body());
  }

  public synchronized Document doc() {
    return doc;
  }

  public synchronized List<String> heads() {
    return hex(doc.getHeads());
  }

  /** Failures the server answered to this peer's SYNC messages. */
  public List<Throwable> refusals() {
    return refusals;
  }

  public long bytesExchanged() {
    return bytesIn.get() + bytesOut.get();
  }

  public void resetCounters() {
    bytesIn.set(0);
    bytesOut.set(0);
  }

  public static List<String> hex(ChangeHash[] heads) {
    return java.util.Arrays.stream(heads).map(h -> HexFormat.of().formatHex(h.getBytes())).sorted().toList();
  }

  @Override
  public synchronized void close() {
    state.free();
    doc.free();
  }
}
