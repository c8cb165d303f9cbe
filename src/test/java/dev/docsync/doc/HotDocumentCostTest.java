package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocRequest;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/**
 * What the owner's serial step costs per change on a hot document, in CPU time of the thread running
 * {@link LoadedDocument#apply} (the Automerge core and docsync's code around it; the peers' own work is not
 * counted): typists on one text, each typing and syncing in rounds, a batch per round as the owner takes it.
 * Deterministic (seeded), independent of the machine's other load: the figure for docs/benchmarks.md's
 * per-change budget. Also checks that everyone ends with the same heads as the server.
 */
class HotDocumentCostTest {
  private static final DocId ID = new DocId("hot-cost");
  /** Defaults of docsync.json: pace 50 ms, no interval. */
  private static final OwnerSettings SETTINGS = new OwnerSettings(10_000, 512, 1000, 60_000, 1 << 20, 8,
      1L << 30, 1L << 32, 1000, 50, 0, 0, 0, 64L << 20);

  @Test
  void perChangeCostOfTheSerialStep() {
    run(4, 300, false); // warm-up: native library, JIT
    for (int typists : new int[] {4, 16}) {
      Figures f = run(typists, 1_200, true);
      System.out.printf("[hot-cost] %d typists: %d changes, %d batches, %d messages in, %d out: %.0f us CPU per change "
          + "(%.0f us per batch)%n", typists, f.changes, f.batches, f.messagesIn, f.messagesOut,
          f.cpuNanos / 1e3 / f.changes, f.cpuNanos / 1e3 / f.batches);
    }
  }

  record Figures(int changes, int batches, int messagesIn, int messagesOut, long cpuNanos) {}

  private static Figures run(int typists, int changes, boolean check) {
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    Random random = new Random(typists);
    Document seed = new Document();
    ObjectId text;
    try (Transaction tx = seed.startTransaction()) {
      text = tx.set(ObjectId.ROOT, "text", ObjectType.TEXT);
      tx.commit();
    }
    LoadedDocument server = LoadedDocument.load(ID, List.of(new dev.docsync.store.StoredChunk(1,
        dev.docsync.store.StoredChunk.Kind.SNAPSHOT, seed.save())), Long.MAX_VALUE);
    List<Document> peers = new ArrayList<>();
    List<SyncState> states = new ArrayList<>();
    Map<String, List<byte[]>> toPeer = new HashMap<>();
    List<DocRequest> inbox = new ArrayList<>();
    for (int i = 0; i < typists; i++) {
      Document peer = seed.fork();
      SyncState state = new SyncState();
      peers.add(peer);
      states.add(state);
      toPeer.put("p" + i, new ArrayList<>());
      inbox.add(new DocRequest.Hello(ID, "p" + i, "s" + i, "out.p" + i, false, peer.generateSyncMessage(state).orElseThrow()));
    }
    int typed = 0;
    int batches = 0;
    int in = 0;
    int out = 0;
    long nanos = 0;
    int quietRounds = 0;
    ChangeHash[] serverHeads = null;
    while (typed < changes || quietRounds < 60) {
      // Typists type (one character, a quarter of them each round) and send what their repo would.
      for (int i = 0; i < typists && typed < changes; i++) {
        if (random.nextInt(4) == 0) {
          try (Transaction tx = peers.get(i).startTransaction()) {
            tx.spliceText(text, 0, 0, "x");
            tx.commit();
          }
          typed++;
          int p = i;
          peers.get(i).generateSyncMessage(states.get(i)).ifPresent(m -> inbox.add(new DocRequest.Sync(ID, "p" + p, m)));
        }
      }
      if (inbox.isEmpty() && typed >= changes) {
        quietRounds++;
        Sleep.ms(2); // let pacing run out, as the owner's timer would
      } else {
        quietRounds = 0;
      }
      Collections.shuffle(inbox, random);
      List<Pending> batch = new ArrayList<>();
      inbox.forEach(r -> batch.add(new Pending(r, Promise.<JsonObject>promise())));
      in += inbox.size();
      inbox.clear();
      long t0 = cpu.getCurrentThreadCpuTime();
      BatchResult result = server.apply(batch, Map.of(), false, SETTINGS, false);
      nanos += cpu.getCurrentThreadCpuTime() - t0;
      batches++;
      server.markStored(result.heads);
      serverHeads = result.heads;
      for (BatchResult.Outgoing o : result.outgoing) {
        toPeer.get(o.peerId()).add(o.message());
        out++;
      }
      // Peers read what came and answer at once, as automerge-repo does; their answers and their next typed
      // changes reach the owner in the same batch (two messages of one peer in a batch, as on a busy node).
      for (int i = 0; i < typists; i++) {
        int p = i;
        for (byte[] m : toPeer.get("p" + i)) {
          peers.get(i).receiveSyncMessage(states.get(i), m);
          peers.get(i).generateSyncMessage(states.get(i)).ifPresent(a -> inbox.add(new DocRequest.Sync(ID, "p" + p, a)));
        }
        toPeer.get("p" + i).clear();
      }
    }
    server.unload();
    if (check) {
      for (Document peer : peers) {
        assertThat(peer.getHeads()).containsExactlyInAnyOrder(serverHeads);
      }
    }
    peers.forEach(Document::free);
    states.forEach(SyncState::free);
    seed.free();
    return new Figures(typed, batches, in, out, nanos);
  }

  private static final class Sleep {
    static void ms(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
