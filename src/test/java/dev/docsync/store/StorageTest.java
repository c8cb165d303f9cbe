package dev.docsync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.protocol.ErrorCode;
import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.TestService;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/** What lands in PostgreSQL: chunks, compaction, and what happens to a document that cannot be loaded. */
class StorageTest {

  @Test
  void compactionFoldsOnlyItsOwnChunksAndKeepsTheDocumentIntact() {
    JsonObject smallCompaction = new JsonObject().put("DOCSYNC_COMPACT_MIN_BYTES", 2_000).put("DOCSYNC_DOC_BATCH_MAX", 1);
    try (TestService service = TestService.start(smallCompaction)) {
      Pool sql = pool(service);
      byte[] foreign = foreignChange();
      try (EventBusFrontend writer = new EventBusFrontend(service.vertx(), "compact-1", "w")) {
        writer.open();
        for (int i = 0; i < 10; i++) {
          int n = i;
          Await.result(writer.change(tx -> tx.set(ObjectId.ROOT, "k" + n, "value " + n)));
        }
        // Written behind the owner's back (say, by another node): compaction must not delete it.
        Await.result(sql.preparedQuery("INSERT INTO doc_chunks (doc_id, kind, hash, data) VALUES ('compact-1', 1, 'x'::bytea, $1)")
            .execute(Tuple.of(Buffer.buffer(foreign))));
        List<Future<JsonObject>> acks = new ArrayList<>();
        for (int i = 10; i < 200; i++) {
          int n = i;
          acks.add(writer.change(tx -> tx.set(ObjectId.ROOT, "k" + n, "value " + n)));
        }
        acks.forEach(Await::result);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> count(sql, "kind = 0") >= 1);
      assertThat(count(sql, "kind = 1")).isLessThan(190);
      assertThat(count(sql, "hash = 'x'::bytea")).isEqualTo(1);

      service.restart();
      JsonObject view = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "compact-1")))
          .getJsonObject("view");
      assertThat(view.size()).isEqualTo(201); // 200 keys + the foreign change's key
      assertThat(view.getString("k199")).isEqualTo("value 199");
      assertThat(view.getString("foreign")).isEqualTo("yes");
    }
  }

  @Test
  void aDocumentThatFailsToLoadIsNeitherServedEmptyNorOverwritten() {
    try (TestService service = TestService.start()) {
      Pool sql = pool(service);
      Await.result(sql.preparedQuery("INSERT INTO doc_chunks (doc_id, kind, hash, data) VALUES ('broken-1', 0, 'h'::bytea, $1)")
          .execute(Tuple.of(Buffer.buffer(new byte[] {(byte) 0x85, 0x6f, 0x4a, (byte) 0x83, 1, 2, 3, 4, 0, 9, 9}))));

      for (JsonObject request : List.of(
          new JsonObject().put("type", "OPEN").put("docId", "broken-1"),
          new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "broken-1").put("change", java.util.Base64.getEncoder().encodeToString(foreignChange())))) {
        Throwable failure = Await.failure(service.frontend(request));
        assertThat(((ReplyException) failure).failureCode()).isEqualTo(ErrorCode.DOC_UNAVAILABLE.code());
        assertThat(failure.getMessage()).startsWith("DOC_UNAVAILABLE");
      }
      assertThat(count(sql, "doc_id = 'broken-1'")).isEqualTo(1);
      // Other documents are unaffected.
      JsonObject other = Await.result(service.frontend(new JsonObject().put("type", "OPEN").put("docId", "fine-1")));
      assertThat(other.getJsonArray("heads")).isEmpty();
    }
  }

  private static byte[] foreignChange() {
    Document doc = new Document();
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, "foreign", "yes");
      tx.commit();
    }
    byte[] bytes = doc.encodeChangesSince(new ChangeHash[0]);
    doc.free();
    return bytes;
  }

  /** Imported in one piece (one request holding a whole history): stored as a snapshot, not replayed change by change at every load. */
  @Test
  void aDocumentImportedInOnePieceIsCompacted() {
    try (TestService service = TestService.start()) {
      Pool sql = pool(service);
      Document original = new Document();
      for (int i = 0; i < 3_000; i++) {
        try (Transaction tx = original.startTransaction()) {
          tx.set(ObjectId.ROOT, "k" + (i % 50), i);
          tx.commit();
        }
      }
      byte[] history = original.save();
      original.free();
      Await.result(service.frontend(new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "imported-1")
          .put("change", java.util.Base64.getEncoder().encodeToString(history))));
      await().atMost(Duration.ofSeconds(10)).until(() -> count(sql, "doc_id = 'imported-1' AND kind = 0") == 1);
      assertThat(count(sql, "doc_id = 'imported-1' AND kind = 1")).as("the incremental chunk was folded").isZero();
      service.restart();
      JsonObject view = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "imported-1")))
          .getJsonObject("view");
      assertThat(view.getInteger("k49")).isEqualTo(2_999);
    }
  }

  private static Pool pool(TestService service) {
    return PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(service.pgUrl())).using(service.vertx()).build();
  }

  private static long count(Pool sql, String where) {
    Row row = Await.result(sql.query("SELECT count(*) FROM doc_chunks WHERE " + where).execute()).iterator().next();
    return row.getLong(0);
  }
}
