package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.TestService;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every bad input gets its named failure code; the document and the other clients carry on. */
class BadInputTest {
  private static final String DOC = "bad-input-1";
  private static TestService service;
  private static final AtomicInteger rejectedEvents = new AtomicInteger();

  @BeforeAll
  static void start() {
    service = TestService.start(new JsonObject().put("DOCSYNC_MAX_PAYLOAD_BYTES", 4096));
    service.vertx().eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> {
      if ("input.rejected".equals(m.body().getString("event"))) {
        rejectedEvents.incrementAndGet();
      }
    });
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void aRestBodyOverTheLimitIsRefusedAsTooLarge() {
    var admin = service.rest(service.tokens().admin(60));
    double before = rejectedTooLarge(admin.get("/metrics").body());

    var refused = service.rest().postChange("bad-input-rest", new byte[4097]);

    assertThat(refused.statusCode()).isEqualTo(413);
    assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("TOO_LARGE");
    assertThat(new JsonObject(refused.body()).getString("message")).contains("4096 bytes");
    assertThat(rejectedTooLarge(admin.get("/metrics").body())).isEqualTo(before + 1);
    assertThat(service.rest().postChange("bad-input-rest", change(new Document(), "c", 3)).statusCode()).isEqualTo(200);
  }

  private static double rejectedTooLarge(String metrics) {
    return metrics.lines().filter(l -> l.startsWith("docsync_rejected_inputs_total{reason=\"TOO_LARGE\"}"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void everyBadInputGetsItsCodeAndHarmsNothing() {
    Document good = new Document();
    byte[] first = change(good, "a", 1);
    byte[] second = change(good, "b", 2);
    Await.result(service.frontend(localChange(first)));
    JsonArray headsBefore = read().getJsonArray("heads");
    int rejectedBefore = rejectedEvents.get();

    expectFrontend(new JsonObject().put("type", "DANCE").put("docId", DOC), ErrorCode.UNKNOWN_TYPE);
    expectFrontend("not json at all", ErrorCode.MALFORMED_MESSAGE);
    expectFrontend(new JsonArray().add(1), ErrorCode.MALFORMED_MESSAGE);
    expectFrontend(new JsonObject().put("type", "OPEN"), ErrorCode.MALFORMED_MESSAGE);
    expectFrontend(new JsonObject().put("type", 7).put("docId", DOC), ErrorCode.MALFORMED_MESSAGE);
    expectFrontend(new JsonObject().put("type", "OPEN").put("docId", "../etc/passwd"), ErrorCode.INVALID_DOC_ID);
    expectFrontend(new JsonObject().put("type", "OPEN").put("docId", "x".repeat(200)), ErrorCode.INVALID_DOC_ID);
    expectFrontend(new JsonObject().put("type", "LOCAL_CHANGE").put("docId", DOC), ErrorCode.MALFORMED_MESSAGE);
    expectFrontend(localChange("%%% not base64 %%%"), ErrorCode.MALFORMED_MESSAGE);
    expectFrontend(localChange(new byte[] {1, 2, 3}), ErrorCode.INVALID_CHANGE);
    expectFrontend(localChange("xyz".getBytes()), ErrorCode.INVALID_CHANGE);
    expectFrontend(new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "fresh-empty-doc")
        .put("change", Base64.getEncoder().encodeToString("xyz".getBytes())), ErrorCode.INVALID_CHANGE);
    expectFrontend(localChange(Arrays.copyOf(second, second.length - 3)), ErrorCode.INVALID_CHANGE);
    expectFrontend(localChange(dependsOnUnknown()), ErrorCode.MISSING_DEPENDENCIES);
    expectFrontend(localChange(new byte[10_000]), ErrorCode.TOO_LARGE);

    expectPeer(new JsonObject().put("type", "SYNC").put("docId", DOC).put("peerId", "stranger").put("message", "QkM="), ErrorCode.UNKNOWN_PEER);
    expectPeer(new JsonObject().put("type", "HELLO").put("docId", DOC), ErrorCode.MALFORMED_MESSAGE);
    expectPeer(new JsonObject().put("type", "WAVE").put("docId", DOC).put("peerId", "p"), ErrorCode.UNKNOWN_TYPE);
    Await.result(service.peer(new JsonObject().put("type", "HELLO").put("docId", DOC).put("peerId", "p1").put("ephemeral", true)));
    expectPeer(new JsonObject().put("type", "SYNC").put("docId", DOC).put("peerId", "p1")
        .put("message", Base64.getEncoder().encodeToString(new byte[] {0x42, 1, 2})), ErrorCode.INVALID_SYNC_MESSAGE);
    expectPeer(new JsonObject().put("type", "SYNC").put("docId", DOC).put("peerId", "p1")
        .put("message", Base64.getEncoder().encodeToString(first)), ErrorCode.INVALID_SYNC_MESSAGE);

    assertThat(read().getJsonArray("heads")).isEqualTo(headsBefore);
    await().atMost(Duration.ofSeconds(5)).until(() -> rejectedEvents.get() - rejectedBefore >= 20);

    // A retried change is acknowledged again (idempotent); the document goes on as normal.
    Await.result(service.frontend(localChange(first)));
    JsonObject ack = Await.result(service.frontend(localChange(second)));
    assertThat(ack.getJsonArray("heads")).isNotEqualTo(headsBefore);
    assertThat(read().getJsonObject("view").getMap()).containsEntry("a", 1L).containsEntry("b", 2L);
    good.free();
  }

  /** Sync messages that abort the JVM (0 Bloom bits) or hang a worker (billions of probes) inside Automerge 0.5.7. */
  @Test
  void poisonedSyncMessagesFromAnyPeerNeverReachAutomerge() {
    Await.result(service.peer(new JsonObject().put("type", "HELLO").put("docId", "poison-1").put("peerId", "evil").put("ephemeral", true)));
    for (byte[] poison : new byte[][] {dev.docsync.limits.PoisonMessages.ZERO_BITS, dev.docsync.limits.PoisonMessages.BILLIONS_OF_PROBES}) {
      expectPeer(new JsonObject().put("type", "SYNC").put("docId", "poison-1").put("peerId", "evil")
          .put("message", Base64.getEncoder().encodeToString(poison)), ErrorCode.INVALID_SYNC_MESSAGE);
    }
    // The node, and that very peer's conversation, carry on (a generate for it would have crashed).
    Document replica = new Document();
    Await.result(service.frontend(localChange(change(replica, "alive", 1)).put("docId", "poison-1")));
    assertThat(Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "poison-1")))
        .getJsonObject("view").getLong("alive")).isEqualTo(1L);
    replica.free();
  }

  @Test
  void otherClientsAreNotDisturbedByABadNeighbour() {
    try (EventBusFrontend alice = new EventBusFrontend(service.vertx(), "calm-1", "alice")) {
      alice.open();
      for (int i = 0; i < 20; i++) {
        int n = i;
        service.frontend(localChange(new byte[] {9, 9, 9}).put("docId", "calm-1"));
        Await.result(alice.change(tx -> tx.set(ObjectId.ROOT, "k" + n, n)));
      }
      assertThat(alice.doc().keys(ObjectId.ROOT).orElseThrow()).hasSize(20);
    }
  }

  private static byte[] change(Document doc, String key, int value) {
    ChangeHash[] before = doc.getHeads();
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, key, value);
      tx.commit();
    }
    return doc.encodeChangesSince(before);
  }

  private static byte[] dependsOnUnknown() {
    Document other = new Document();
    change(other, "x", 1);
    byte[] dependent = change(other, "y", 2);
    other.free();
    return dependent;
  }

  private static JsonObject read() {
    return Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", DOC)));
  }

  private static JsonObject localChange(byte[] bytes) {
    return localChange(Base64.getEncoder().encodeToString(bytes));
  }

  private static JsonObject localChange(String base64) {
    return new JsonObject().put("type", "LOCAL_CHANGE").put("docId", DOC).put("change", base64);
  }

  private static void expectFrontend(Object body, ErrorCode code) {
    expect(Addresses.FRONTEND, body, code);
  }

  private static void expectPeer(Object body, ErrorCode code) {
    expect(Addresses.PEER, body, code);
  }

  private static void expect(String address, Object body, ErrorCode code) {
    Throwable failure = Await.failure(service.vertx().eventBus().request(address, body));
    assertThat(failure).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) failure).failureCode()).as("code for %s", body).isEqualTo(code.code());
    assertThat(failure.getMessage()).startsWith(code.name() + ": ");
  }
}
