package dev.docsync.bench.jmh;

import dev.docsync.protocol.DocId;
import dev.docsync.store.DocumentStore;
import dev.docsync.store.Lease;
import dev.docsync.store.embedded.EmbeddedPostgresServer;
import dev.docsync.store.impl.PgDocumentStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code PgDocumentStore.appendChunk} on the durable embedded PostgreSQL (fsync on, as docsync runs it):
 * {@code concurrent} appends of a 200-byte chunk to distinct documents are issued together and the
 * invocation ends when all are committed. The group commit folds appends that wait for a commit in
 * flight into the next executeBatch, so time per append falls as concurrency rises.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StorageBatchBench {
  static final int MAX = 64;

  @Param({"1", "8", "64"})
  public int concurrent;

  private Path dir;
  private EmbeddedPostgresServer pg;
  private Vertx vertx;
  private Context context;
  private DocumentStore store;
  private final List<Lease> docs = new ArrayList<>();
  private final byte[][] chunks = new byte[MAX][];
  private long counter;

  @Setup
  public void start() throws Exception {
    dir = Files.createTempDirectory("bench-pg-");
    pg = EmbeddedPostgresServer.start(dir.resolve("data"), 0);
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    CompletableFuture<DocumentStore> connected = new CompletableFuture<>();
    context.runOnContext(v -> PgDocumentStore.connect(vertx, pg.url(), 8)
        .onSuccess(connected::complete).onFailure(connected::completeExceptionally));
    store = connected.get(60, TimeUnit.SECONDS);
    Random random = new Random(1);
    for (int i = 0; i < MAX; i++) {
      DocId docId = new DocId("bench-doc-" + i);
      CompletableFuture<Lease> lease = new CompletableFuture<>();
      context.runOnContext(v -> store.acquireLease(docId, "bench", List.of("bench"), 3_600_000)
          .onSuccess(lease::complete).onFailure(lease::completeExceptionally));
      docs.add(lease.get(60, TimeUnit.SECONDS));
      chunks[i] = new byte[200];
      random.nextBytes(chunks[i]);
    }
  }

  @TearDown
  public void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    pg.close();
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Per append: {@code concurrent} of them in flight together. */
  @Benchmark
  @OperationsPerInvocation(MAX)
  public void appendChunk() throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> nextWave(0, done));
    done.get(60, TimeUnit.SECONDS);
  }

  /** MAX appends in waves of {@code concurrent}. */
  private void nextWave(int from, CompletableFuture<Void> done) {
    if (from >= MAX) {
      done.complete(null);
      return;
    }
    List<Future<Long>> wave = new ArrayList<>();
    for (int i = from; i < Math.min(MAX, from + concurrent); i++) {
      byte[] chunk = chunks[i].clone();
      long n = counter++;
      chunk[0] = (byte) n; // distinct bytes: the chunk hash is part of the key
      chunk[1] = (byte) (n >> 8);
      chunk[2] = (byte) (n >> 16);
      chunk[3] = (byte) (n >> 24);
      wave.add(store.appendChunk(docs.get(i), chunk));
    }
    Future.all(wave).onComplete(ar -> {
      if (ar.failed()) {
        done.completeExceptionally(ar.cause());
      } else {
        nextWave(from + concurrent, done);
      }
    });
  }
}
