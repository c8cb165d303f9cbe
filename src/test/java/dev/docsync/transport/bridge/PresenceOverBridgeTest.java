package dev.docsync.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.presence.PresenceAddresses;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Presence between bridged clients (real eventbus-bridge-client.js in Node) and the event bus. */
class PresenceOverBridgeTest {
  private static final long TIMEOUT_MS = 600;
  private static TestService service;
  private NodeBridgeClient node;

  @BeforeAll
  static void start() throws Exception {
    NodeBridgeClient.assumeNode();
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    service = TestService.start(new JsonObject().put("DOCSYNC_PRESENCE_TIMEOUT_MS", TIMEOUT_MS));
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  @BeforeEach
  void startNode() {
    node = NodeBridgeClient.start();
  }

  @AfterEach
  void stopNode() {
    node.close();
  }

  private static String docId() {
    return "presence-" + UUID.randomUUID();
  }

  private static JsonObject update(String docId, String participantId, JsonObject state) {
    return new JsonObject().put("type", "UPDATE").put("docId", docId).put("participantId", participantId).put("state", state);
  }

  @Test
  void aCursorReachesTheOtherParticipantWithin100Milliseconds() {
    String docId = docId();
    node.connect("ada", service.httpPort());
    node.connect("bob", service.httpPort());
    JsonObject user = new JsonObject().put("user", new JsonObject().put("name", "Ada").put("color", "#e91e63"));
    JsonObject joined = node.request("ada", PresenceAddresses.REQUESTS, update(docId, "ada", user));
    assertThat(joined.getJsonArray("participants")).hasSize(1);

    double[] samples = NodeBridgeClient.samples(node.ok("cursorLatency", new JsonObject()
        .put("from", "ada").put("to", "bob").put("docId", docId).put("participantId", "ada").put("n", 50)));

    Arrays.sort(samples);
    System.out.printf("presence cursor latency bridge->bridge over %d updates: p50 %.2f ms, p95 %.2f ms, max %.2f ms%n",
        samples.length, samples[samples.length / 2], samples[(int) (samples.length * 0.95)], samples[samples.length - 1]);
    assertThat(samples[samples.length - 1]).isLessThan(100.0);
    // The update events carry the whole state, so a late listener needs no other source.
    List<JsonObject> events = node.messages("bob", PresenceAddresses.events(docId));
    assertThat(events.get(events.size() - 1).getJsonObject("state").getJsonObject("user").getString("name")).isEqualTo("Ada");
  }

  @Test
  void aParticipantThatVanishesWithoutGoodbyeIsGoneAfterTheTimeout() {
    String docId = docId();
    Map<String, Long> seenAt = new ConcurrentHashMap<>();
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = service.vertx().eventBus().consumer(PresenceAddresses.events(docId), m -> {
      events.add(m.body());
      seenAt.put(m.body().getString("event") + ":" + m.body().getString("participantId"), System.nanoTime());
    });
    Await.result(consumer.completion());
    try {
      node.connect("ghost", service.httpPort());
      node.request("ghost", PresenceAddresses.REQUESTS, update(docId, "ghost", new JsonObject().put("typing", true)));
      // A participant that keeps sending heartbeats stays, one that says nothing more does not.
      Await.result(bus(update(docId, "alive", new JsonObject().put("cursor", "c0"))));
      long stopAt = System.currentTimeMillis() + 3 * TIMEOUT_MS;
      while (System.currentTimeMillis() < stopAt) {
        Await.result(bus(new JsonObject().put("type", "HEARTBEAT").put("docId", docId).put("participantId", "alive")));
        sleep(TIMEOUT_MS / 4);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> seenAt.containsKey("leave:ghost"));
      long goneAfterMs = (seenAt.get("leave:ghost") - seenAt.get("join:ghost")) / 1_000_000;
      System.out.printf("silent participant reported gone after %d ms (timeout %d ms)%n", goneAfterMs, TIMEOUT_MS);
      assertThat(goneAfterMs).isBetween(TIMEOUT_MS - 50, TIMEOUT_MS + 500);
      assertThat(events).filteredOn(e -> "leave".equals(e.getString("event")))
          .singleElement().satisfies(e -> assertThat(e.getString("reason")).isEqualTo("timeout"));
      JsonObject list = Await.result(bus(new JsonObject().put("type", "LIST").put("docId", docId)));
      assertThat(list.getJsonArray("participants")).hasSize(1);
      assertThat(list.getJsonArray("participants").getJsonObject(0).getString("participantId")).isEqualTo("alive");
      // An expired participant's heartbeat is refused: it must send its whole state again.
      ReplyException refused = (ReplyException) Await.failure(
          bus(new JsonObject().put("type", "HEARTBEAT").put("docId", docId).put("participantId", "ghost")));
      assertThat(refused.failureCode()).isEqualTo(6);
    } finally {
      Await.result(consumer.unregister());
    }
  }

  @Test
  void goodbyeIsALeaveAndBadStatesAreRefused() {
    String docId = docId();
    node.connect("eve", service.httpPort());
    node.register("eve", PresenceAddresses.events(docId));
    Await.result(bus(update(docId, "java", new JsonObject()
        .put("user", new JsonObject().put("name", "Jay")).put("selection", new JsonObject().put("anchor", "a1").put("head", "h1")))));
    Await.result(bus(new JsonObject().put("type", "LEAVE").put("docId", docId).put("participantId", "java")));
    List<JsonObject> events = node.waitMessages("eve", PresenceAddresses.events(docId), 2);
    assertThat(events.get(0).getString("event")).isEqualTo("join");
    assertThat(events.get(0).getJsonObject("state").getJsonObject("selection").getString("head")).isEqualTo("h1");
    assertThat(events.get(1).getString("event")).isEqualTo("leave");
    assertThat(events.get(1).getString("reason")).isEqualTo("goodbye");

    assertThat(failureCode(update(docId, "x", new JsonObject().put("cursor", 42)))).isEqualTo(1);
    assertThat(failureCode(update(docId, "x", new JsonObject().put("typing", "yes")))).isEqualTo(1);
    assertThat(failureCode(update(docId, "x", new JsonObject().put("user", "just a name")))).isEqualTo(1);
    assertThat(failureCode(update(docId, "x", new JsonObject().put("blob", "z".repeat(20_000))))).isEqualTo(8);
    assertThat(failureCode(new JsonObject().put("type", "WAVE").put("docId", docId).put("participantId", "x"))).isEqualTo(2);
    assertThat(failureCode(update("../etc", "x", new JsonObject()))).isEqualTo(3);
    // The bridge only lets the four presence request types through, and says so on the reply handler.
    JsonObject wave = node.ok("send", new JsonObject().put("conn", "eve").put("address", PresenceAddresses.REQUESTS)
        .put("body", new JsonObject().put("type", "WAVE").put("docId", docId)).put("timeoutMs", 3000));
    assertThat(wave.getJsonObject("error").getInteger("failureCode")).isEqualTo(2);
  }

  private static io.vertx.core.Future<JsonObject> bus(JsonObject body) {
    return service.vertx().eventBus().<JsonObject>request(PresenceAddresses.REQUESTS, body).map(m -> m.body());
  }

  private static int failureCode(JsonObject body) {
    return ((ReplyException) Await.failure(bus(body))).failureCode();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
