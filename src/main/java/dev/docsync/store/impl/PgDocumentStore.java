package dev.docsync.store.impl;

import dev.docsync.protocol.DocId;
import dev.docsync.store.DocumentStore;
import dev.docsync.store.Lease;
import dev.docsync.store.NotOwnerException;
import dev.docsync.store.ServerIdentity;
import dev.docsync.store.StoredChunk;
import dev.docsync.store.StoredDocument;
import dev.docsync.store.SyncStateRecord;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** {@link DocumentStore} on PostgreSQL through the Vert.x PgClient. */
public final class PgDocumentStore implements DocumentStore {
  private final Pool pool;
  private final int maxBatch;
  /**
   * One group-commit writer per calling context (each document shard's event loop): a writer's state and the
   * completion of its appends belong to the context its callers run on.
   */
  private final Map<Context, GroupCommitWriter> writers = new ConcurrentHashMap<>();

  private PgDocumentStore(Pool pool, int maxBatch) {
    this.pool = pool;
    this.maxBatch = maxBatch;
  }

  /** Connects and applies sql/schema.sql. Call from the context that will use the store. */
  public static Future<DocumentStore> connect(Vertx vertx, String url, int poolSize) {
    Pool pool = PgPools.create(vertx, url, poolSize);
    PgDocumentStore store = new PgDocumentStore(pool, 500);
    return pool.query(schema()).execute().map(rows -> store);
  }

  @Override
  public Future<List<StoredChunk>> loadChunks(DocId docId) {
    return pool.preparedQuery(Sql.LOAD_CHUNKS).execute(Tuple.of(docId.value())).map(rows -> {
      List<StoredChunk> chunks = new ArrayList<>(rows.size());
      for (Row row : rows) {
        chunks.add(new StoredChunk(row.getLong(0), StoredChunk.Kind.of(row.getShort(1)), row.getBuffer(2).getBytes()));
      }
      return chunks;
    });
  }

  @Override
  public Future<Lease> acquireLease(DocId docId, String nodeId, List<String> liveNodes, long leaseMs) {
    Tuple acquire = Tuple.of(docId.value(), nodeId, leaseMs, liveNodes.toArray(new String[0]));
    return pool.preparedQuery(Sql.ACQUIRE_LEASE).execute(acquire).compose(rows -> {
      if (rows.size() == 1) {
        return Future.succeededFuture(new Lease(docId, nodeId, rows.iterator().next().getLong(0)));
      }
      return pool.preparedQuery(Sql.LEASE_HOLDER).execute(Tuple.of(docId.value())).compose(holder -> Future.failedFuture(
          new NotOwnerException(docId, holder.size() == 0 ? null : holder.iterator().next().getString(0))));
    });
  }

  @Override
  public Future<Set<DocId>> renewLeases(String nodeId, Collection<Lease> held, long leaseMs) {
    if (held.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    String[] ids = held.stream().map(l -> l.docId().value()).toArray(String[]::new);
    Long[] epochs = held.stream().map(Lease::epoch).toArray(Long[]::new);
    return pool.preparedQuery(Sql.RENEW_LEASES).execute(Tuple.of(nodeId, ids, epochs, leaseMs)).map(rows -> {
      Set<DocId> renewed = new HashSet<>();
      rows.forEach(row -> renewed.add(new DocId(row.getString(0))));
      return renewed;
    });
  }

  @Override
  public Future<Void> releaseLease(Lease lease) {
    return pool.preparedQuery(Sql.RELEASE_LEASE).execute(leaseTuple(lease)).mapEmpty();
  }

  @Override
  public Future<Long> appendChunk(Lease lease, byte[] changes) {
    Context context = Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("appendChunk is called from a Vert.x context (a document shard)");
    }
    return writers.computeIfAbsent(context, c -> new GroupCommitWriter(c, pool, 2, maxBatch)).append(lease, changes);
  }

  @Override
  public Future<Long> replaceWithSnapshot(Lease lease, byte[] snapshot, List<Long> foldedChunkIds) {
    DocId docId = lease.docId();
    Tuple insert = Tuple.of(docId.value(), StoredChunk.Kind.SNAPSHOT.code(),
        Buffer.buffer(GroupCommitWriter.sha256(snapshot)), Buffer.buffer(snapshot), lease.owner(), lease.epoch());
    Tuple delete = Tuple.tuple().addString(docId.value()).addArrayOfLong(foldedChunkIds.toArray(new Long[0]));
    return pool.withTransaction(conn -> conn.preparedQuery(Sql.INSERT_CHUNK).execute(insert)
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(new NotOwnerException(docId, null));
          }
          long snapshotId = rows.iterator().next().getLong(0);
          return conn.preparedQuery(Sql.DELETE_CHUNKS).execute(delete).map(deleted -> snapshotId);
        }));
  }

  @Override
  public Future<byte[]> loadSyncState(DocId docId, String peerKey) {
    return pool.preparedQuery(Sql.LOAD_SYNC_STATE).execute(Tuple.of(docId.value(), peerKey))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getBuffer(0).getBytes());
  }

  @Override
  public Future<Void> saveSyncStates(Lease lease, List<SyncStateRecord> states) {
    if (states.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> batch = states.stream()
        .map(s -> Tuple.of(s.docId().value(), s.peerKey(), Buffer.buffer(s.state()), lease.owner(), lease.epoch()))
        .toList();
    // One implicit transaction: either every state is stored under the lease or none is.
    return pool.preparedQuery(Sql.UPSERT_SYNC_STATE).executeBatch(batch).compose(rows -> {
      for (RowSet<Row> current = rows; current != null; current = current.next()) {
        if (current.size() == 0) {
          return Future.failedFuture(new NotOwnerException(lease.docId(), null));
        }
      }
      return Future.succeededFuture();
    });
  }

  static Tuple leaseTuple(Lease lease) {
    return Tuple.of(lease.docId().value(), lease.owner(), lease.epoch());
  }

  @Override
  public Future<List<DocId>> listDocIds() {
    return pool.query(Sql.LIST_DOC_IDS).execute().map(rows -> {
      List<DocId> ids = new ArrayList<>(rows.size());
      rows.forEach(row -> ids.add(new DocId(row.getString(0))));
      return ids;
    });
  }

  @Override
  public Future<List<StoredDocument>> listDocuments(String afterDocId, int limit) {
    return pool.preparedQuery(Sql.LIST_DOCUMENTS).execute(Tuple.of(afterDocId == null ? "" : afterDocId, limit))
        .map(rows -> {
          List<StoredDocument> docs = new ArrayList<>(rows.size());
          rows.forEach(row -> docs.add(new StoredDocument(new DocId(row.getString(0)), row.getLong(1), row.getInteger(2),
              row.getLong(3))));
          return docs;
        });
  }

  @Override
  public Future<Long> deleteDocument(DocId docId) {
    Tuple id = Tuple.of(docId.value());
    return pool.withTransaction(conn -> {
      Future<Long> deleted = Future.succeededFuture(0L);
      for (String statement : Sql.DELETE_DOCUMENT) {
        deleted = deleted.compose(n -> conn.preparedQuery(statement).execute(id).map(rows -> n + rows.rowCount()));
      }
      return deleted;
    });
  }

  @Override
  public Future<ServerIdentity> identity() {
    List<Tuple> defaults = List.of(
        Tuple.of("peer_id", "docsync-" + UUID.randomUUID().toString().substring(0, 8)),
        Tuple.of("storage_id", UUID.randomUUID().toString()));
    return pool.preparedQuery(Sql.INSERT_IDENTITY).executeBatch(defaults)
        .compose(v -> pool.query(Sql.LOAD_IDENTITY).execute())
        .map(rows -> {
          Map<String, String> values = new HashMap<>();
          rows.forEach(row -> values.put(row.getString(0), row.getString(1)));
          return new ServerIdentity(values.get("peer_id"), values.get("storage_id"));
        });
  }

  @Override
  public Future<Void> ping() {
    return pool.query(Sql.PING).execute().mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }

  private static String schema() {
    try (InputStream in = PgDocumentStore.class.getClassLoader().getResourceAsStream(Sql.SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + Sql.SCHEMA_RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
