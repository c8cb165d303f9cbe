package dev.docsync.store.impl;

import dev.docsync.store.Lease;
import dev.docsync.store.NotOwnerException;
import dev.docsync.store.StoredChunk;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.vertx.core.buffer.Buffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Group commit for chunk appends: appends that arrive while earlier batches are being committed
 * wait and then go out together in one {@code executeBatch}, which PostgreSQL commits once.
 * Used from one event-loop context only (see PgDocumentStore: one writer per context).
 */
final class GroupCommitWriter {
  private record Pending(Lease lease, byte[] data, Promise<Long> promise) {}

  private final Pool pool;
  private final int maxInFlight;
  private final int maxBatch;
  private List<Pending> waiting = new ArrayList<>();
  private int inFlight;
  private final Context context;

  /** A writer of {@code context}: only code running there may append (its state and promises are unsynchronised). */
  GroupCommitWriter(Context context, Pool pool, int maxInFlight, int maxBatch) {
    this.context = context;
    this.pool = pool;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
  }

  /** Fails with {@link NotOwnerException} when the lease is lost; the other appends of its batch still commit. */
  Future<Long> append(Lease lease, byte[] data) {
    if (Vertx.currentContext() != context) {
      throw new IllegalStateException("a group-commit writer is used from the context it was made for only");
    }
    Promise<Long> promise = Promise.promise();
    waiting.add(new Pending(lease, data, promise));
    flush();
    return promise.future();
  }

  private void flush() {
    while (inFlight < maxInFlight && !waiting.isEmpty()) {
      List<Pending> batch = take();
      inFlight++;
      pool.preparedQuery(Sql.INSERT_CHUNK)
          .executeBatch(batch.stream().map(GroupCommitWriter::tuple).toList())
          .onComplete(ar -> {
            inFlight--;
            if (ar.succeeded()) {
              completeAll(batch, ar.result());
            } else {
              batch.forEach(p -> p.promise().fail(ar.cause()));
            }
            flush();
          });
    }
  }

  /**
   * The next batch, in docId order (a stable sort: one document's appends keep theirs): each insert share-locks its
   * lease row, and lease renewal locks the rows in the same order, so the two cannot deadlock.
   */
  private List<Pending> take() {
    List<Pending> batch;
    if (waiting.size() <= maxBatch) {
      batch = waiting;
      waiting = new ArrayList<>();
    } else {
      batch = new ArrayList<>(waiting.subList(0, maxBatch));
      waiting = new ArrayList<>(waiting.subList(maxBatch, waiting.size()));
    }
    batch.sort(Comparator.comparing((Pending p) -> p.lease().docId().value()));
    return batch;
  }

  private static void completeAll(List<Pending> batch, RowSet<Row> rows) {
    RowSet<Row> current = rows;
    for (Pending pending : batch) {
      if (current.size() == 0) {
        pending.promise().fail(new NotOwnerException(pending.lease().docId(), null));
      } else {
        pending.promise().complete(current.iterator().next().getLong(0));
      }
      current = current.next();
    }
  }

  private static Tuple tuple(Pending p) {
    Lease lease = p.lease();
    return Tuple.of(lease.docId().value(), StoredChunk.Kind.INCREMENTAL.code(), Buffer.buffer(sha256(p.data())), Buffer.buffer(p.data()),
        lease.owner(), lease.epoch());
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
