package dev.docsync.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.protocol.DocId;
import dev.docsync.store.impl.PgDocumentStore;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestDatabases;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL lease is the authority on who writes a document: a live holder keeps it, a dead or expired one
 * loses it with a higher epoch, and every write of a node that lost it is refused (on a real database).
 */
class LeaseFencingTest {
  private static final DocId DOC = new DocId("fenced-1");
  private static final long LEASE_MS = 60_000;

  private Vertx vertx;
  private Context context;
  private DocumentStore store;

  @BeforeEach
  void connect() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    store = Await.result(PgDocumentStore.connect(vertx, TestDatabases.freshDatabaseUrl(), 4));
  }

  /** The store is used as a document shard uses it: from its own Vert.x context. */
  private <T> Future<T> onContext(Supplier<Future<T>> call) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(result));
    return result.future();
  }

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  @Test
  void aLiveHolderKeepsItsLeaseAndIsNamed() {
    Lease a = Await.result(store.acquireLease(DOC, "node-a", List.of("node-a", "node-b"), LEASE_MS));
    assertThat(a.epoch()).isEqualTo(1);

    Throwable refused = Await.failure(store.acquireLease(DOC, "node-b", List.of("node-a", "node-b"), LEASE_MS));
    assertThat(refused).isInstanceOf(NotOwnerException.class);
    assertThat(((NotOwnerException) refused).holder()).isEqualTo("node-a");
    assertThat(Await.result(onContext(() -> store.appendChunk(a, new byte[] {1, 2, 3})))).isPositive();
  }

  @Test
  void aTakeoverFencesEveryWriteOfTheFormerHolder() {
    Lease a = Await.result(store.acquireLease(DOC, "node-a", List.of("node-a", "node-b"), LEASE_MS));
    long before = Await.result(onContext(() -> store.appendChunk(a, new byte[] {1})));

    // node-a left the cluster: its unexpired lease is taken over at once, with the next epoch.
    Lease b = Await.result(store.acquireLease(DOC, "node-b", List.of("node-b"), LEASE_MS));
    assertThat(b.epoch()).isEqualTo(a.epoch() + 1);

    assertThat(Await.failure(onContext(() -> store.appendChunk(a, new byte[] {2})))).isInstanceOf(NotOwnerException.class);
    assertThat(Await.failure(store.saveSyncStates(a, List.of(new SyncStateRecord(DOC, "peer", new byte[] {9})))))
        .isInstanceOf(NotOwnerException.class);
    assertThat(Await.failure(store.replaceWithSnapshot(a, new byte[] {3}, List.of(before))))
        .isInstanceOf(NotOwnerException.class);
    assertThat(Await.result(store.renewLeases("node-a", List.of(a), LEASE_MS))).isEmpty();

    // Nothing of node-a's late writes landed; node-b writes.
    List<StoredChunk> chunks = Await.result(store.loadChunks(DOC));
    assertThat(chunks).extracting(StoredChunk::id).containsExactly(before);
    assertThat(Await.result(store.loadSyncState(DOC, "peer"))).isNull();
    Await.result(onContext(() -> store.appendChunk(b, new byte[] {4})));
    Await.result(store.saveSyncStates(b, List.of(new SyncStateRecord(DOC, "peer", new byte[] {5}))));
    assertThat(Await.result(store.loadChunks(DOC))).hasSize(2);
    assertThat(Await.result(store.renewLeases("node-b", List.of(b), LEASE_MS))).isEqualTo(Set.of(DOC));
  }

  @Test
  void anExpiredOrReleasedLeaseGoesToTheNextNodeAndEpochsOnlyGrow() throws Exception {
    Lease a = Await.result(store.acquireLease(DOC, "node-a", List.of("node-a", "node-b"), 1_000));
    Thread.sleep(1_200); // a paused holder that the cluster still counts: its lease runs out
    Lease b = Await.result(store.acquireLease(DOC, "node-b", List.of("node-a", "node-b"), LEASE_MS));
    assertThat(b.epoch()).isEqualTo(2);
    assertThat(Await.failure(onContext(() -> store.appendChunk(a, new byte[] {1})))).isInstanceOf(NotOwnerException.class);

    Await.result(store.releaseLease(b));
    Lease a2 = Await.result(store.acquireLease(DOC, "node-a", List.of("node-a", "node-b"), LEASE_MS));
    assertThat(a2.epoch()).isEqualTo(3);
    assertThat(Await.failure(onContext(() -> store.appendChunk(b, new byte[] {2})))).isInstanceOf(NotOwnerException.class);
    assertThat(Await.result(onContext(() -> store.appendChunk(a2, new byte[] {3})))).isPositive();
  }

  @Test
  void oneLostLeaseInAGroupCommitDoesNotFailTheOthers() {
    DocId other = new DocId("fenced-2");
    Lease stale = Await.result(store.acquireLease(DOC, "node-a", List.of("node-a"), LEASE_MS));
    Lease kept = Await.result(store.acquireLease(other, "node-a", List.of("node-a"), LEASE_MS));
    Await.result(store.acquireLease(DOC, "node-b", List.of("node-b"), LEASE_MS));

    // In one group commit: both appends are made in the same turn of the context.
    Promise<Future<Long>> lostLater = Promise.promise();
    Future<Long> stored = onContext(() -> {
      lostLater.complete(store.appendChunk(stale, new byte[] {1}));
      return store.appendChunk(kept, new byte[] {2});
    });
    Future<Long> lost = lostLater.future().compose(f -> f);
    assertThat(Await.failure(lost)).isInstanceOf(NotOwnerException.class);
    assertThat(Await.result(stored)).isPositive();
    assertThat(Await.result(store.loadChunks(other))).hasSize(1);
    assertThat(Await.result(store.loadChunks(DOC))).isEmpty();
  }
}
