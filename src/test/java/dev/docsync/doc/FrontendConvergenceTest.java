package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.protocol.Base64s;
import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.TestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FrontendConvergenceTest {
  private static TestService service;

  @BeforeAll
  static void start() {
    service = TestService.start();
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void twoFrontendsEditingConcurrentlyConverge() {
    try (EventBusFrontend alice = new EventBusFrontend(service.vertx(), "converge-1", "alice");
         EventBusFrontend bob = new EventBusFrontend(service.vertx(), "converge-1", "bob")) {
      alice.open();
      bob.open();
      List<Future<JsonObject>> acks = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        int n = i;
        acks.add(alice.change(tx -> tx.set(ObjectId.ROOT, "alice-" + n, n)));
        acks.add(bob.change(tx -> tx.set(ObjectId.ROOT, "bob-" + n, n)));
      }
      acks.forEach(Await::result);

      await().atMost(Duration.ofSeconds(10)).until(() -> alice.heads().equals(bob.heads()));
      assertThat(alice.doc().keys(ObjectId.ROOT).orElseThrow()).hasSize(100);
      JsonObject stored = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "converge-1")));
      assertThat(stored.getJsonObject("view").size()).isEqualTo(100);
      assertThat(stored.getJsonObject("view").getLong("bob-49")).isEqualTo(49L);
    }
  }

  /** The 0.0.7 binding aborts the JVM when it builds a patch for a lost conflict: nothing on the server may. */
  @Test
  void concurrentWritesToOneMapKeyNeitherCrashNorDiverge() {
    try (EventBusFrontend watcher = new EventBusFrontend(service.vertx(), "conflict-1", "watcher")) {
      watcher.open();
      // Two replicas that have not seen each other write the same key: a true conflict.
      Document alice = new Document();
      Document bob = new Document();
      Future<JsonObject> a = service.frontend(localChange("conflict-1", write(alice, "from alice")));
      Future<JsonObject> b = service.frontend(localChange("conflict-1", write(bob, "from bob")));
      Await.result(a);
      Await.result(b);

      JsonObject stored = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "conflict-1")));
      String winner = stored.getJsonObject("view").getString("title");
      assertThat(winner).isIn("from alice", "from bob");
      Document reloaded = Document.load(Base64s.decode(stored.getString("snapshot"), "snapshot"));
      assertThat(reloaded.getHeads()).hasSize(2);
      assertThat(reloaded.getAll(ObjectId.ROOT, "title").isPresent()).isTrue();
      reloaded.free();
      // The open frontend got view diffs of the conflicting changes: the patch-free path was exercised.
      await().atMost(Duration.ofSeconds(10)).until(() -> watcher.heads().size() == 2);
      assertThat(watcher.received()).anyMatch(e -> e.containsKey("view"));
      alice.free();
      bob.free();
    }
  }

  private static byte[] write(Document doc, String title) {
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, "title", title);
      tx.commit();
    }
    return doc.encodeChangesSince(new ChangeHash[0]);
  }

  private static JsonObject localChange(String docId, byte[] change) {
    return new JsonObject().put("type", "LOCAL_CHANGE").put("docId", docId).put("change", Base64s.encode(change));
  }
}
