package dev.docsync.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.presence.PresenceAddresses;
import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Base64s;
import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.EventBusPeer;
import dev.docsync.testing.TestService;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SockJS bridge at /eventbus, driven by the real @vertx/eventbus-bridge-client.js in Node. */
class SockJsBridgeTest {
  private static TestService service;
  private NodeBridgeClient node;

  @BeforeAll
  static void start() throws Exception {
    NodeBridgeClient.assumeNode();
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    service = TestService.start();
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
    return "bridge-" + UUID.randomUUID();
  }

  @Test
  void bridgedFrontendAndJavaFrontendConverge() {
    String docId = docId();
    try (EventBusFrontend java = new EventBusFrontend(service.vertx(), docId, "java")) {
      java.open();
      node.connect("a", service.httpPort());
      node.ok("amOpen", new JsonObject().put("conn", "a").put("docId", docId));

      // A change made by @automerge/automerge in Node, sent as LOCAL_CHANGE over the bridge
      JsonObject put = node.ok("amPut", new JsonObject().put("conn", "a").put("docId", docId)
          .put("key", "title").put("value", "from node").put("origin", "node-a"));
      assertThat(put.getJsonArray("heads")).isEqualTo(put.getJsonArray("localHeads"));
      await().atMost(Duration.ofSeconds(10)).until(() -> java.doc().get(ObjectId.ROOT, "title").isPresent());
      AmValue title = java.doc().get(ObjectId.ROOT, "title").orElseThrow();
      assertThat(java.doc().text(((AmValue.Text) title).getId())).contains("from node"); // JS strings are text
      assertThat(java.received().get(0).getJsonArray("origins").getList()).containsExactly("node-a");

      // ... and the bridged client receives the change events of others
      Await.result(java.change(tx -> tx.set(ObjectId.ROOT, "reply", "from java")));
      JsonObject seen = node.ok("amWait", new JsonObject().put("conn", "a").put("docId", docId)
          .put("key", "reply").put("value", "from java"));
      assertThat(seen.getJsonObject("json").getString("title")).isEqualTo("from node");
      assertThat(seen.getJsonArray("heads").getList()).isEqualTo(EventBusPeer.hex(java.doc().getHeads()));
    }
  }

  @Test
  void anXhrFrameOverTheLimitIsRefusedAndCounted() {
    var admin = service.rest(service.tokens().admin(60));
    String counter = "docsync_bridge_malformed_total{transport=\"sockjs\"}";
    double before = counted(admin.get("/metrics").body(), counter);

    var refused = service.rest().post("/eventbus/000/oversized/xhr_send", new byte[2 * 16 * 1024 * 1024 + 1]);

    assertThat(refused.statusCode()).isEqualTo(413);
    assertThat(refused.body()).startsWith("TOO_LARGE");
    assertThat(counted(admin.get("/metrics").body(), counter)).isEqualTo(before + 1);
    assertThat(service.rest().get("/health").statusCode()).isEqualTo(200);
  }

  private static double counted(String metrics, String counter) {
    return metrics.lines().filter(l -> l.startsWith(counter))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void largeChangesPassOverWebSocketAndTheXhrFallback() {
    String docId = docId();
    String big = "x".repeat(300_000); // far above the 64 KiB default WebSocket frame limit
    node.connect("ws", service.httpPort());
    node.ok("connect", new JsonObject().put("conn", "xhr").put("transports", new JsonArray().add("xhr-polling"))
        .put("url", "http://127.0.0.1:" + service.httpPort() + "/eventbus"));
    node.ok("amOpen", new JsonObject().put("conn", "ws").put("docId", docId));
    node.ok("amOpen", new JsonObject().put("conn", "xhr").put("docId", docId));

    node.ok("amPut", new JsonObject().put("conn", "ws").put("docId", docId).put("key", "big").put("value", big));
    node.ok("amWait", new JsonObject().put("conn", "xhr").put("docId", docId).put("key", "big").put("value", big));
    node.ok("amPut", new JsonObject().put("conn", "xhr").put("docId", docId).put("key", "big2").put("value", big));
    node.ok("amWait", new JsonObject().put("conn", "ws").put("docId", docId).put("key", "big2").put("value", big));
  }

  @Test
  void notPermittedAddressesAreRefusedWithAccessDenied() {
    node.connect("x", service.httpPort());
    String docId = docId();
    List<JsonObject> leaked = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> peerApi = service.vertx().eventBus().consumer("docsync.test.should-not-see", m -> leaked.add(new JsonObject()));

    // docsync.peer: the send never gets a reply, the refusal comes through eb.onerror
    JsonObject hello = new JsonObject().put("type", "HELLO").put("docId", docId).put("peerId", "intruder");
    JsonObject refused = node.ok("send", new JsonObject().put("conn", "x").put("address", Addresses.PEER)
        .put("body", hello).put("timeoutMs", 1500));
    assertThat(refused.getBoolean("timeout")).isTrue();
    assertThat(errors(1).get(0).getString("body")).isEqualTo("access_denied");

    // A frontend request of a type that is not one of OPEN, READ, LOCAL_CHANGE, CLOSE: its callback
    // fails with UNKNOWN_TYPE (then the bridge's own "rejected" reaches eb.onerror)
    JsonObject unknown = node.ok("send", new JsonObject().put("conn", "x").put("address", Addresses.FRONTEND)
        .put("body", new JsonObject().put("type", "HELLO").put("docId", docId)).put("timeoutMs", 3000));
    assertThat(unknown.getJsonObject("error").getInteger("failureCode")).isEqualTo(2);
    assertThat(errors(2).get(1).getString("body")).isEqualTo("rejected");

    // Receiving: a peer outbox, server events (off by default) and an internal address
    node.register("x", Addresses.peerOutbox("victim"));
    node.register("x", Addresses.EVENTS);
    node.register("x", "docsync.ws.ephemeral." + docId);
    List<JsonObject> errors = errors(5);
    assertThat(errors.subList(2, 5)).allSatisfy(e -> assertThat(e.getString("body")).isEqualTo("access_denied"));
    service.vertx().eventBus().publish(Addresses.peerOutbox("victim"), new JsonObject().put("secret", true));
    service.vertx().eventBus().publish(Addresses.EVENTS, new JsonObject().put("event", "secret"));
    assertThat(node.messages("x", Addresses.peerOutbox("victim"))).isEmpty();
    assertThat(node.messages("x", Addresses.EVENTS)).isEmpty();

    // The socket stays usable for what is permitted
    JsonObject open = node.request("x", Addresses.FRONTEND, new JsonObject().put("type", "READ").put("docId", docId));
    assertThat(open.getString("docId")).isEqualTo(docId);
    // A failed request answers the callback with the core's failure code and name
    JsonObject bad = node.send("x", Addresses.FRONTEND, new JsonObject().put("type", "OPEN").put("docId", "!bad"));
    assertThat(bad.getJsonObject("error").getInteger("failureCode")).isEqualTo(3);
    assertThat(bad.getJsonObject("error").getString("message")).startsWith("INVALID_DOC_ID");
    Await.result(peerApi.unregister());
    assertThat(leaked).isEmpty();
  }

  @Test
  void aClosedSocketClosesItsDocumentsAndLeavesPresence() {
    String docId = docId();
    List<JsonObject> serverEvents = new CopyOnWriteArrayList<>();
    List<JsonObject> presence = new CopyOnWriteArrayList<>();
    List<JsonObject> changes = new CopyOnWriteArrayList<>();
    EventBus bus = service.vertx().eventBus();
    List<MessageConsumer<JsonObject>> consumers = List.of(
        bus.consumer(Addresses.EVENTS, m -> serverEvents.add(m.body())),
        bus.consumer(PresenceAddresses.events(docId), m -> presence.add(m.body())),
        bus.consumer(Addresses.changes(docId), m -> changes.add(m.body())));
    consumers.forEach(c -> Await.result(c.completion()));
    try {
      node.connect("c", service.httpPort());
      node.ok("amOpen", new JsonObject().put("conn", "c").put("docId", docId));
      node.request("c", PresenceAddresses.REQUESTS, new JsonObject().put("type", "UPDATE").put("docId", docId)
          .put("participantId", "crasher").put("state", new JsonObject().put("user", new JsonObject().put("name", "C"))));
      await().until(() -> presence.stream().anyMatch(e -> "join".equals(e.getString("event"))));
      // While a frontend holds the document OPEN, change events carry view diffs.
      assertThat(changeFromJava(docId, "before", changes).containsKey("view")).isTrue();

      node.crash(); // no CLOSE, no LEAVE, no close frame: the socket just dies

      await().atMost(Duration.ofSeconds(10)).until(() -> presence.stream().anyMatch(e -> "leave".equals(e.getString("event"))));
      assertThat(presence.get(presence.size() - 1).getString("reason")).isEqualTo("disconnect");
      // The bridge said CLOSE for the crashed client's OPEN: nobody holds the document open any more.
      await().atMost(Duration.ofSeconds(10)).until(() -> !changeFromJava(docId, "after-" + UUID.randomUUID(), changes).containsKey("view"));
      assertThat(serverEvents).anyMatch(e -> "connection.opened".equals(e.getString("event"))
          && "sockjs".equals(e.getString("transport")));
      assertThat(serverEvents).anyMatch(e -> "connection.closed".equals(e.getString("event")));
    } finally {
      consumers.forEach(c -> Await.result(c.unregister()));
    }
  }

  /** A LOCAL_CHANGE from a throwaway Java replica (a save() is a valid change payload); returns its change event. */
  private static JsonObject changeFromJava(String docId, String key, List<JsonObject> changes) {
    int before = changes.size();
    Document doc = new Document();
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, key, 1);
      tx.commit();
    }
    byte[] change = doc.save();
    doc.free();
    Await.result(service.frontend(new JsonObject().put("type", "LOCAL_CHANGE").put("docId", docId)
        .put("change", Base64s.encode(change))));
    await().until(() -> changes.size() > before);
    return changes.get(changes.size() - 1);
  }

  @Test
  void syncStateSavedIsAServerEvent() {
    String docId = docId();
    List<JsonObject> serverEvents = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> events = service.vertx().eventBus().consumer(Addresses.EVENTS, m -> serverEvents.add(m.body()));
    Await.result(events.completion());
    try (EventBusPeer peer = new EventBusPeer("stateful-peer", docId, new Document())) {
      peer.connect(service.vertx());
      peer.bye(); // BYE stores the sync state at once
      await().atMost(Duration.ofSeconds(10)).until(() -> serverEvents.stream()
          .anyMatch(e -> "syncstate.saved".equals(e.getString("event")) && docId.equals(e.getString("docId"))));
    } finally {
      Await.result(events.unregister());
    }
  }

  private List<JsonObject> errors(int count) {
    JsonObject reply = node.ok("waitError", new JsonObject().put("conn", "x").put("count", count));
    return reply.getJsonArray("errors").stream().map(JsonObject.class::cast).map(e -> e.getJsonObject("error")).toList();
  }
}
