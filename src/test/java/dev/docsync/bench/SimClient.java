package dev.docsync.bench;

import dev.docsync.transport.ws.RepoWsClient;
import dev.docsync.transport.ws.WsMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.automerge.AmValue;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.MapEntry;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.automerge.Transaction;

/**
 * One simulated automerge-repo client: one WebSocket ({@link RepoWsClient}), one document, its own
 * Automerge replica and SyncState with the server. It behaves like the client side of the protocol
 * without automerge-repo's 100 ms throttle: after a local change it sends generateSyncMessage at once;
 * after receiveSyncMessage it answers with generateSyncMessage when there is something to say.
 * Confined to its event-loop context; {@link #close()} frees the native replica.
 */
final class SimClient {
  private static final String[] KEYS = new String[4096];

  static {
    for (int i = 0; i < KEYS.length; i++) {
      KEYS[i] = "c" + i;
    }
  }

  final LoadGenerator gen;
  final Context context;
  final DocGroup group;
  final int index;
  final String peerId = "bench-" + UUID.randomUUID().toString().substring(0, 13);
  private final WsMessage.PeerMetadata metadata;
  private RepoWsClient ws;
  private Document doc;
  private SyncState state;
  private ObjectId text;
  private long[] lastSeen;
  private ChangeHash[] lastHeads = new ChangeHash[0];
  private long seq;
  private long timer = -1;
  private long nextDue;
  private boolean closed;
  private boolean received;
  private Runnable afterReceive;
  long messagesIn;
  /** When the first message of the document arrived (nanoTime), or 0. */
  long firstMessageNanos;
  long messagesOut;
  long errors;
  boolean unavailable;

  SimClient(LoadGenerator gen, DocGroup group, int index, boolean durableClient) {
    this.gen = gen;
    this.context = gen.nextContext();
    this.group = group;
    this.index = index;
    // A client with storage (IndexedDB in a browser) announces a storageId: the server keeps its sync state.
    this.metadata = durableClient ? new WsMessage.PeerMetadata(UUID.randomUUID().toString(), false)
        : new WsMessage.PeerMetadata(null, true);
  }

  private <T> Future<T> on(java.util.concurrent.Callable<Future<T>> work) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        work.call().onComplete(promise);
      } catch (Exception e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  /** Connects and joins; the replica is the group's base document, or empty when {@code empty}. */
  Future<Void> connect(String url, boolean empty) {
    return on(() -> {
      doc = empty ? new Document() : Document.load(group.base);
      state = new SyncState();
      text = empty ? null : textObject();
      lastSeen = new long[Math.max(1, group.clients.size())];
      lastHeads = doc.getHeads();
      return RepoWsClient.connect(gen.vertx, url, peerId, metadata, LoadGenerator.MAX_MESSAGE_BYTES).map(client -> {
        ws = client;
        client.handler(this::onMessage);
        client.closeHandler(() -> {
          if (!closed) {
            errors++;
          }
        });
        return null;
      });
    });
  }

  /** The first sync message: like automerge-repo, {@code request} when the replica is empty. */
  Future<Void> startSync() {
    return on(() -> {
      sendSync();
      return Future.succeededFuture();
    });
  }

  private ObjectId textObject() {
    Optional<AmValue> value = doc.get(ObjectId.ROOT, "text");
    return value.isPresent() && value.get() instanceof AmValue.Text t ? t.getId() : null;
  }

  private void onMessage(WsMessage message) {
    if (closed) {
      return;
    }
    if (message instanceof WsMessage.Sync sync && group.docId.equals(sync.documentId())) {
      receive(sync.data());
    } else if (message instanceof WsMessage.Request request && group.docId.equals(request.documentId())) {
      receive(request.data());
    } else if (message instanceof WsMessage.DocUnavailable) {
      unavailable = true;
    } else if (message instanceof WsMessage.Error) {
      errors++;
    }
  }

  private void receive(byte[] data) {
    if (messagesIn++ == 0) {
      firstMessageNanos = System.nanoTime();
    }
    received = true;
    long started = System.nanoTime();
    doc.receiveSyncMessage(state, data);
    Step step = gen.step();
    if (step != null) {
      step.received(started, System.nanoTime());
    }
    detectArrivals();
    sendSync();
    if (afterReceive != null) {
      afterReceive.run();
    }
  }

  /** Which changes of the other clients this message brought: their sequence numbers moved. */
  private void detectArrivals() {
    ChangeHash[] heads = doc.getHeads();
    if (sameHeads(heads, lastHeads)) {
      return;
    }
    lastHeads = heads;
    if (text == null) {
      text = textObject();
    }
    Step step = gen.step();
    long now = System.nanoTime();
    // One JNI call for all the clients' sequence numbers (rather than one get per client).
    MapEntry[] entries = doc.mapEntries(ObjectId.ROOT).orElse(new MapEntry[0]);
    for (MapEntry entry : entries) {
      String key = entry.getKey();
      if (key.charAt(0) != 'c' || !(entry.getValue() instanceof AmValue.Int seen)) {
        continue;
      }
      int k = Integer.parseInt(key, 1, key.length(), 10);
      if (k == index || k >= lastSeen.length) {
        continue;
      }
      long latest = seen.getValue();
      if (latest > lastSeen[k]) {
        if (step != null) {
          DocGroup.CommitClock clock = group.clock(k);
          for (long s = lastSeen[k] + 1; s <= latest; s++) {
            long committedAt = clock.get(s);
            if (committedAt == 0) {
              step.unknownCommitTime.increment();
            } else {
              step.arrived(committedAt, now);
            }
          }
        }
        lastSeen[k] = latest;
      }
    }
  }

  private static boolean sameHeads(ChangeHash[] a, ChangeHash[] b) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (!Arrays.equals(a[i].getBytes(), b[i].getBytes())) {
        return false;
      }
    }
    return true;
  }

  private void sendSync() {
    long started = System.nanoTime();
    Optional<byte[]> message = doc.generateSyncMessage(state);
    Step step = gen.step();
    if (step != null) {
      step.generated(started, System.nanoTime());
    }
    if (message.isEmpty() || ws == null) {
      return;
    }
    messagesOut++;
    if (!received && doc.getHeads().length == 0) {
      ws.send(new WsMessage.Request(peerId, ws.server().senderId(), group.docId, message.get()));
    } else {
      ws.sync(group.docId, message.get());
    }
  }

  /** One keystroke: a character spliced into the text, and this client's sequence number. */
  private void type() {
    long length = doc.length(text);
    long position = ThreadLocalRandom.current().nextLong(length + 1);
    long n = ++seq;
    try (Transaction tx = doc.startTransaction()) {
      tx.spliceText(text, position, 0, "x");
      tx.set(ObjectId.ROOT, KEYS[index], (int) n);
      tx.commit();
    }
    long now = System.nanoTime();
    group.clock(index).set(n, now);
    Step step = gen.step();
    if (step != null) {
      step.committed(now, group.clients.size() - 1);
    }
    sendSync();
  }

  /** Types {@code perSecond} changes a second, evenly spaced, starting at a random phase. */
  Future<Void> startTyping(double perSecond) {
    return on(() -> {
      stopTimer();
      long period = (long) (1e9 / perSecond);
      nextDue = System.nanoTime() + ThreadLocalRandom.current().nextLong(Math.max(1, period));
      schedule(period);
      return Future.succeededFuture();
    });
  }

  private void schedule(long period) {
    long delayMs = Math.max(1, (nextDue - System.nanoTime()) / 1_000_000);
    timer = gen.vertx.setTimer(delayMs, id -> {
      if (closed || timer != id) {
        return;
      }
      type();
      nextDue += period;
      long now = System.nanoTime();
      if (nextDue < now - 1_000_000_000L) {
        nextDue = now; // more than a second behind: do not burst to catch up
      }
      schedule(period);
    });
  }

  Future<Void> stopTyping() {
    return on(() -> {
      stopTimer();
      return Future.succeededFuture();
    });
  }

  private void stopTimer() {
    if (timer >= 0) {
      gen.vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Changes of this window that never reached this client: counted with the time waited. */
  Future<Void> countMissing(Step step, long now) {
    return on(() -> {
      for (int k = 0; k < group.clients.size(); k++) {
        if (k == index) {
          continue;
        }
        DocGroup.CommitClock clock = group.clock(k);
        long last = group.clients.get(k).seqNow();
        for (long s = lastSeen[k] + 1; s <= last; s++) {
          long committedAt = clock.get(s);
          if (committedAt != 0) {
            step.missing(committedAt, now);
          }
        }
      }
      return Future.succeededFuture();
    });
  }

  /** Read after a barrier only. */
  long seqNow() {
    return seq;
  }

  /** Whether the server holds everything this replica has (and vice versa), per the sync state. */
  Future<Boolean> inSync() {
    return on(() -> Future.succeededFuture(ws != null && received && state.isInSync(doc)));
  }

  /** Completes once {@code done} holds after a received message (checked at once too). */
  Future<Void> until(java.util.function.Predicate<SimClient> done) {
    return on(() -> {
      Promise<Void> p = Promise.promise();
      if (done.test(this)) {
        p.complete();
      } else {
        afterReceive = () -> {
          if (done.test(this)) {
            afterReceive = null;
            p.tryComplete();
          }
        };
      }
      return p.future();
    });
  }

  /** On the client's context only (inside {@link #until} predicates). */
  Document doc() {
    return doc;
  }

  boolean syncedWithServer() {
    return received && state.isInSync(doc);
  }

  long bytesIn() {
    return ws == null ? 0 : ws.bytesIn();
  }

  long bytesOut() {
    return ws == null ? 0 : ws.bytesOut();
  }

  /** Replaces the replica (on the context) — used to upload a big document built elsewhere. */
  Future<Void> adopt(byte[] saved) {
    return on(() -> {
      Document loaded = Document.load(saved);
      doc.free();
      doc = loaded;
      lastHeads = doc.getHeads();
      text = textObject();
      return Future.succeededFuture();
    });
  }

  /** Closes the socket and frees the native replica and sync state. */
  Future<Void> close() {
    return on(() -> {
      if (closed) {
        return Future.succeededFuture();
      }
      closed = true;
      stopTimer();
      Future<Void> closing = ws == null ? Future.succeededFuture() : ws.close().recover(e -> Future.succeededFuture());
      if (doc != null) {
        doc.free();
      }
      if (state != null) {
        state.free();
      }
      return closing;
    });
  }
}
