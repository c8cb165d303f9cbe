package dev.docsync.doc;

import dev.docsync.protocol.Addresses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.EventBusPeer;
import dev.docsync.testing.TestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;

/** Unloading and stopping: nothing acknowledged is lost, peers do not notice. */
class OwnerLifecycleTest {

  @Test
  void aStopDrainsQueuedChangesAndStoresSyncStatesOfPeersThatNeverSaidBye() {
    // Sync states are written only by the stop: the debounce is far away.
    JsonObject settings = new JsonObject().put("DOCSYNC_SYNC_STATE_FLUSH_MS", 600_000);
    try (TestService service = TestService.start(settings)) {
      try (EventBusFrontend writer = new EventBusFrontend(service.vertx(), "drain-1", "w")) {
        writer.open();
        List<Future<JsonObject>> first = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
          int n = i;
          first.add(writer.change(tx -> tx.set(ObjectId.ROOT, "k" + n, n)));
        }
        first.forEach(Await::result);
      }
      EventBusPeer peer = new EventBusPeer("drainer", "drain-1", new Document());
      peer.connect(service.vertx());
      await().atMost(Duration.ofSeconds(10)).until(() -> peer.doc().keys(ObjectId.ROOT).map(k -> k.length).orElse(0) == 1_000);

      List<Future<JsonObject>> late = new ArrayList<>();
      try (EventBusFrontend writer = new EventBusFrontend(service.vertx(), "drain-1", "w2")) {
        writer.open();
        for (int i = 0; i < 300; i++) {
          int n = i;
          late.add(writer.change(tx -> tx.set(ObjectId.ROOT, "late" + n, n)));
        }
        service.restart(); // a clean stop while 300 changes are queued
      }
      List<String> acknowledged = new CopyOnWriteArrayList<>();
      for (int i = 0; i < late.size(); i++) {
        if (late.get(i).succeeded()) {
          acknowledged.add("late" + i);
        }
      }
      JsonObject view = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "drain-1")))
          .getJsonObject("view");
      assertThat(view.fieldNames()).containsAll(acknowledged);
      assertThat(acknowledged).hasSize(300); // the drain finished them all

      peer.resetCounters();
      peer.connect(service.vertx());
      await().atMost(Duration.ofSeconds(10)).until(() -> peer.doc().keys(ObjectId.ROOT).map(k -> k.length).orElse(0) == 1_300);
      System.out.printf("sync bytes to reconnect with the sync state stored at stop: %d%n", peer.bytesExchanged());
      // Without a stored state both sides would first exchange Bloom filters over all 1,300 changes (> 3 KB).
      assertThat(peer.bytesExchanged()).isLessThan(1_500);
      peer.close();
    }
  }

  @Test
  void anIdleDocumentIsUnloadedAndItsPeersAreGreetedAgainOnTheNextChange() {
    JsonObject settings = new JsonObject().put("DOCSYNC_DOC_IDLE_UNLOAD_MS", 300);
    try (TestService service = TestService.start(settings);
         EventBusPeer peer = new EventBusPeer("sleeper", "idle-1", new Document())) {
      List<String> events = new CopyOnWriteArrayList<>();
      service.vertx().eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
        if ("idle-1".equals(m.body().getString("docId"))) {
          events.add(m.body().getString("event"));
        }
      });
      peer.connect(service.vertx());
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("document.unloaded"));
      assertThat(service.verticle().documents().loadedDocuments()).isZero();

      Await.result(service.frontend(new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "idle-1")
          .put("change", java.util.Base64.getEncoder().encodeToString(oneChange()))));
      await().atMost(Duration.ofSeconds(10)).until(() -> peer.doc().keys(ObjectId.ROOT).map(k -> k.length).orElse(0) == 1);
      assertThat(events).containsSubsequence("document.loaded", "document.unloaded", "document.loaded");
    }
  }

  private static byte[] oneChange() {
    Document doc = new Document();
    try (org.automerge.Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, "woke", "up");
      tx.commit();
    }
    byte[] bytes = doc.save();
    doc.free();
    return bytes;
  }
}
