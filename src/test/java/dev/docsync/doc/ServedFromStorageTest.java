package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.protocol.Addresses;
import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusPeer;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;

/**
 * A new, empty peer of a document that is not loaded is sent the stored document whole, and the node loads nothing
 * while its peers only read (StoredReaders). The first request that needs the document loads it, and the readers
 * go on from what they hold: a change reaches them in one message, also after the document was unloaded meanwhile.
 */
class ServedFromStorageTest {
  private static final String DOC = "served-from-storage";
  /** Compacted often: stored mostly as a snapshot, as every large document is. */
  private static final JsonObject COMPACTED = new JsonObject().put("DOCSYNC_COMPACT_MIN_BYTES", 1024);

  @Test
  void readersLoadNothingAndTheFirstChangeReachesThemInOneMessage() {
    try (TestService service = TestService.start(COMPACTED)) {
      service.writeKeys(DOC, 0, 300);
      List<String> stored = service.heads(DOC);
      service.restart();
      try (EventBusPeer alice = new EventBusPeer("alice", DOC, new Document());
           EventBusPeer bob = new EventBusPeer("bob", DOC, new Document())) {
        alice.connectWithFirstMessage(service.vertx());
        bob.connectWithFirstMessage(service.vertx());
        awaitHeads(alice, stored); // not asked of the service: a READ would load the document
        awaitHeads(bob, stored);
        assertThat(alice.doc().keys(ObjectId.ROOT).orElseThrow()).hasSize(300);
        // Their acknowledgements load nothing either.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
            .until(() -> described(service).getBoolean("servedFromStorage"));
        assertThat(described(service).getInteger("peers")).isEqualTo(2);
        assertThat(alice.changesPerMessage()).as("the whole document, in one entry of one message").containsExactly(1L);
        assertThat(alice.refusals()).isEmpty();

        int seen = alice.changesPerMessage().size();
        service.writeKeys(DOC, 300, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.doc().get(ObjectId.ROOT, "key-300").isPresent()
            && bob.doc().get(ObjectId.ROOT, "key-300").isPresent());
        List<Long> afterLoad = alice.changesPerMessage().subList(seen, alice.changesPerMessage().size());
        System.out.println("[served-from-storage] changes per message after the load: " + afterLoad);
        assertThat(afterLoad.stream().mapToLong(Long::longValue).sum()).as("the change, once").isEqualTo(1);
        assertThat(described(service).getBoolean("servedFromStorage")).isFalse();
        awaitSynced(service, alice);
        awaitSynced(service, bob);
      }
    }
  }

  @Test
  void aReaderOfADocumentUnloadedBeforeItLoadedResumesFromTheStoredHeads() {
    try (TestService service = TestService.start(COMPACTED.copy().put("DOCSYNC_DOC_IDLE_UNLOAD_MS", 400))) {
      service.writeKeys(DOC, 0, 300);
      List<String> stored = service.heads(DOC);
      service.restart();
      try (EventBusPeer reader = new EventBusPeer("reader", DOC, new Document())) {
        reader.connectWithFirstMessage(service.vertx());
        awaitHeads(reader, stored);
        assertThat(described(service).getBoolean("servedFromStorage")).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !described(service).getBoolean("loaded"));
        assertThat(described(service).getInteger("peers")).as("parked, to be greeted at the next load").isEqualTo(1);

        reader.resetCounters();
        service.writeKeys(DOC, 300, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.doc().get(ObjectId.ROOT, "key-300").isPresent());
        awaitSynced(service, reader);
        // Sharing the stored heads (its stored sync state), it is sent the one change, not the document again.
        assertThat(reader.bytesExchanged()).isLessThan(1_000);
        assertThat(reader.refusals()).isEmpty();
      }
    }
  }

  private static JsonObject described(TestService service) {
    JsonObject page = Await.result(service.vertx().eventBus().<JsonObject>request(Addresses.ADMIN,
        new JsonObject().put("type", "LIST").put("after", DOC.substring(0, DOC.length() - 1)).put("limit", 1))).body();
    JsonObject item = page.getJsonArray("documents").getJsonObject(0);
    assertThat(item.getString("docId")).isEqualTo(DOC);
    return item;
  }

  private static void awaitHeads(EventBusPeer peer, List<String> heads) {
    await().atMost(Duration.ofSeconds(20)).until(() -> peer.heads().equals(heads));
  }

  private static void awaitSynced(TestService service, EventBusPeer peer) {
    await().atMost(Duration.ofSeconds(20)).until(() -> peer.heads().equals(service.heads(DOC)));
  }
}
