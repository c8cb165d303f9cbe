package dev.docsync.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.protocol.Addresses;
import dev.docsync.store.DocumentStore;
import dev.docsync.store.ServerIdentity;
import dev.docsync.store.impl.PgDocumentStore;
import dev.docsync.testing.Await;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.automerge.AmValue;
import org.automerge.ObjectId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The automerge-repo protocol on /sync, spoken by a Java client with Jackson CBOR and org.automerge documents. */
class WsProtocolTest {
  /** Short idle unload: documents are unloaded (their peers parked) and reloaded all the time. */
  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode().authOff().with("DOCSYNC_DOC_IDLE_UNLOAD_MS", 300);
  private static TestService service;
  private static Vertx clients;

  @BeforeAll
  static void start() {
    service = docsync.service();
    clients = service.clients();
  }

  static WsClient connect() {
    return WsClient.connect(clients, service.httpPort());
  }

  static String docId() {
    return "ws-" + UUID.randomUUID();
  }

  static JsonObject stats() {
    return Await.result(service.vertx().eventBus().<JsonObject>request(SyncEndpoint.STATS_ADDRESS, null)).body();
  }

  static long rejected(String reason) {
    return stats().getJsonObject("rejected").getLong(reason, 0L);
  }

  static long ignored(String reason) {
    return stats().getJsonObject("ignored").getLong(reason, 0L);
  }

  @Test
  void handshakeAnswersWithTheStableServerIdentityAndNegotiatesDeflate() {
    String storageId = UUID.randomUUID().toString();
    try (WsClient alice = connect(); WsClient bob = connect()) {
      Map<String, Object> peer = alice.join("alice", Map.of("storageId", storageId, "isEphemeral", false));
      Map<String, Object> bareJoin = new LinkedHashMap<>(Map.of("type", "join", "senderId", "bob"));
      bob.send(bareJoin); // no supportedProtocolVersions: version "1"
      Map<String, Object> bobPeer = bob.next();

      DocumentStore store = Await.result(PgDocumentStore.connect(service.vertx(), service.pgUrl(), 1));
      ServerIdentity identity = Await.result(store.identity());
      Await.result(store.close());
      assertThat(peer).containsEntry("type", "peer")
          .containsEntry("senderId", identity.peerId())
          .containsEntry("targetId", "alice")
          .containsEntry("selectedProtocolVersion", "1")
          .containsEntry("peerMetadata", Map.of("storageId", identity.storageId(), "isEphemeral", false));
      assertThat(bobPeer).containsEntry("type", "peer").containsEntry("senderId", identity.peerId()).containsEntry("targetId", "bob");
    }
  }

  /** Off by default (Vert.x inflates without a bound before the size limit applies); trusted deployments turn it on. */
  @Test
  void permessageDeflateCanBeTurnedOn() {
    TestService own = docsync.startNode(new JsonObject().put("DOCSYNC_WS_DEFLATE", "true"));
    try (WsClient client = own.ws()) {
      assertThat(client.join("compressed")).containsEntry("type", "peer");
      assertThat(client.socket().headers().get("sec-websocket-extensions")).contains("permessage-deflate");
    }
  }

  /** Clients with storage key their sync state with docsync by its storageId: it must survive restarts. */
  @Test
  void theServerIdentityIsTheSameAfterARestart() {
    TestService own = docsync.startNode();
    Map<String, Object> before;
    try (WsClient client = own.ws()) {
      before = client.join("restarting");
    }
    own.restart();
    try (WsClient client = own.ws()) {
      Map<String, Object> after = client.join("restarting");
      assertThat(after.get("senderId")).isEqualTo(before.get("senderId"));
      assertThat(after.get("peerMetadata")).isEqualTo(before.get("peerMetadata"));
    }
  }

  @Test
  void permessageDeflateIsOffByDefault() {
    try (WsClient client = connect()) {
      assertThat(client.join("plain")).containsEntry("type", "peer");
      assertThat(client.socket().headers().get("sec-websocket-extensions")).isNull();
    }
  }

  @Test
  void anUnsupportedProtocolVersionGetsAnErrorThenTheSocketCloses() {
    long before = rejected("UNSUPPORTED_VERSION");
    try (WsClient client = connect()) {
      client.send(Map.of("type", "join", "senderId", "future", "supportedProtocolVersions", List.of("2")));
      assertThat(client.next()).containsEntry("type", "error").containsEntry("message", "unsupported protocol version")
          .containsEntry("targetId", "future");
      assertThat(client.awaitClose()).isEqualTo((short) 1002);
    }
    assertThat(rejected("UNSUPPORTED_VERSION")).isEqualTo(before + 1);
  }

  @Test
  void javaDocumentsSyncBothWaysAndManyDocumentsShareOneSocket() {
    String first = docId();
    String second = docId();
    try (WsSyncPeer alice = new WsSyncPeer(connect()); WsSyncPeer bob = new WsSyncPeer(connect())) {
      alice.client().join("alice", Map.of("storageId", UUID.randomUUID().toString(), "isEphemeral", false));
      bob.client().join("bob");
      alice.open(first, tx -> tx.set(ObjectId.ROOT, "title", "first"));
      alice.open(second, tx -> tx.set(ObjectId.ROOT, "title", "second"));
      bob.open(first, null);
      bob.open(second, null);
      await().atMost(Duration.ofSeconds(10)).until(() -> bob.heads(first).equals(alice.heads(first))
          && bob.heads(second).equals(alice.heads(second)));

      bob.change(first, tx -> tx.set(ObjectId.ROOT, "reply", "from bob"));
      await().atMost(Duration.ofSeconds(10)).until(() -> alice.heads(first).equals(bob.heads(first)));
      assertThat(((AmValue.Str) alice.doc(first).get(ObjectId.ROOT, "reply").orElseThrow()).getValue()).isEqualTo("from bob");
      // Acknowledged means stored: the core serves what the peers synced.
      assertThat(service.read(first).getJsonObject("view").getMap()).containsEntry("title", "first").containsEntry("reply", "from bob");
      assertThat(service.heads(first)).isEqualTo(alice.heads(first));
    }
  }

  /**
   * Prints a figure of the report: 1,000 single-key changes, each sent at once, from one Java peer to
   * another. A burst of 1,000 messages is past the default per-connection rate limit (a JS client
   * throttles to one message per 100 ms): the limit is off here, this measures the sync path.
   */
  @Test
  void aThousandChangesFromOneJavaPeerReachAnother() {
    String doc = docId();
    TestService own = docsync.startNode(new JsonObject().put("DOCSYNC_LIMIT_MESSAGES_PER_SECOND", 0));
    try (WsSyncPeer alice = new WsSyncPeer(own.ws()); WsSyncPeer bob = new WsSyncPeer(own.ws())) {
      alice.client().join("alice-t");
      bob.client().join("bob-t");
      alice.open(doc, tx -> tx.set(ObjectId.ROOT, "title", "timing"));
      bob.open(doc, null);
      await().atMost(Duration.ofSeconds(10)).until(() -> bob.heads(doc).equals(alice.heads(doc)));
      long start = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        int n = i;
        alice.change(doc, tx -> tx.set(ObjectId.ROOT, "k" + n, n));
      }
      long made = System.nanoTime();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(2)).until(() -> bob.heads(doc).equals(alice.heads(doc)));
      long seen = System.nanoTime();
      System.out.printf("[ws-protocol] 1000 changes Java peer A->B via docsync: made in %d ms, all at B %d ms after the first%n",
          (made - start) / 1_000_000, (seen - start) / 1_000_000);
      assertThat(bob.doc(doc).keys(ObjectId.ROOT).orElseThrow()).hasSize(1001);
    }
  }

  @Test
  void aRequestForAnUnknownDocumentGetsDocUnavailableThenTheDocumentWhenItArrives() {
    String doc = docId();
    Set<String> unloaded = ConcurrentHashMap.newKeySet();
    MessageConsumer<JsonObject> events = service.vertx().eventBus().consumer(Addresses.EVENTS, m -> {
      if ("document.unloaded".equals(m.body().getString("event"))) {
        unloaded.add(m.body().getString("docId"));
      }
    });
    Await.result(events.completion());
    try (WsSyncPeer waiter = new WsSyncPeer(connect()); WsSyncPeer creator = new WsSyncPeer(connect())) {
      waiter.client().join("waiter");
      creator.client().join("creator");
      waiter.open(doc, null);
      Map<String, Object> unavailable = waiter.client().nextOfType("doc-unavailable");
      assertThat(unavailable).containsEntry("documentId", doc).containsEntry("targetId", "waiter");

      // Idle, the empty document is unloaded; its peer is parked and greeted again when it reloads.
      await().atMost(Duration.ofSeconds(10)).until(() -> unloaded.contains(doc));
      creator.open(doc, tx -> tx.set(ObjectId.ROOT, "title", "arrived later"));
      // Nobody asks again: the core pushes the new document to the peer that is still registered.
      await().atMost(Duration.ofSeconds(10)).until(() -> !waiter.heads(doc).isEmpty() && waiter.heads(doc).equals(creator.heads(doc)));
      assertThat(((AmValue.Str) waiter.doc(doc).get(ObjectId.ROOT, "title").orElseThrow()).getValue()).isEqualTo("arrived later");
    }
    Await.result(events.unregister());
  }

  @Test
  void ephemeralMessagesReachTheOtherPeersOfTheDocumentOnly() {
    String doc = docId();
    try (WsSyncPeer alice = new WsSyncPeer(connect()); WsSyncPeer bob = new WsSyncPeer(connect());
         WsSyncPeer carol = new WsSyncPeer(connect())) {
      alice.client().join("alice-e");
      bob.client().join("bob-e");
      carol.client().join("carol-e");
      alice.open(doc, tx -> tx.set(ObjectId.ROOT, "x", 1));
      bob.open(doc, null);
      carol.open(docId(), tx -> tx.set(ObjectId.ROOT, "other", true));
      await().atMost(Duration.ofSeconds(10)).until(() -> bob.heads(doc).equals(alice.heads(doc)));

      byte[] presence = WsClient.encode(Map.of("cursor", 42));
      Map<String, Object> ephemeral = new LinkedHashMap<>();
      ephemeral.put("type", "ephemeral");
      ephemeral.put("senderId", "alice-e");
      ephemeral.put("targetId", alice.client().serverPeerId());
      ephemeral.put("documentId", doc);
      ephemeral.put("data", presence);
      ephemeral.put("count", 7);
      ephemeral.put("sessionId", "session-a");
      alice.client().send(ephemeral);

      // docsync's presence probes (heartbeats asking Presence users for their state) may come too.
      Map<String, Object> relayed = bob.client().next(m -> "ephemeral".equals(m.get("type")) && !isProbe(m));
      assertThat(relayed).containsEntry("senderId", "alice-e").containsEntry("targetId", "bob-e")
          .containsEntry("documentId", doc).containsEntry("count", 7).containsEntry("sessionId", "session-a");
      assertThat((byte[]) relayed.get("data")).isEqualTo(presence);
      assertThat(carol.client().received()).noneMatch(m -> "ephemeral".equals(m.get("type")) && !isProbe(m));
      assertThat(alice.client().received()).noneMatch(m -> "ephemeral".equals(m.get("type")) && !isProbe(m));
    }
  }

  @Test
  void aSecondJoinWithTheSamePeerIdClosesTheOlderSocket() {
    String doc = docId();
    try (WsClient first = connect(); WsSyncPeer second = new WsSyncPeer(connect())) {
      first.join("twice");
      second.client().join("twice");
      assertThat(first.awaitClose()).isEqualTo((short) 1000);
      second.open(doc, null);
      assertThat(second.client().nextOfType("doc-unavailable")).containsEntry("documentId", doc);
    }
  }

  @Test
  void messagesFromSendersNotJoinedOnTheSocketAreIgnored() {
    long before = ignored("UNBOUND_SENDER");
    try (WsClient client = connect()) {
      client.send(request("nobody-yet", docId()));
      assertThat(client.silentFor(Duration.ofMillis(300))).isTrue();
      client.join("bound");
      client.send(request("someone-else", docId()));
      assertThat(client.silentFor(Duration.ofMillis(300))).isTrue();
      client.send(request("bound", docId()));
      assertThat(client.nextOfType("doc-unavailable")).containsEntry("targetId", "bound");
    }
    assertThat(ignored("UNBOUND_SENDER")).isEqualTo(before + 2);
  }

  @Test
  void closingTheSocketSaysByeForEveryDocumentOfIt() {
    String first = docId();
    String second = docId();
    List<JsonObject> closedEvents = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> events = service.vertx().eventBus().consumer(Addresses.EVENTS, m -> {
      if ("ws.connection.closed".equals(m.body().getString("event"))) {
        closedEvents.add(m.body());
      }
    });
    Await.result(events.completion());
    try (WsSyncPeer staying = new WsSyncPeer(connect())) {
      staying.client().join("staying");
      staying.open(first, tx -> tx.set(ObjectId.ROOT, "n", 1));
      staying.open(second, tx -> tx.set(ObjectId.ROOT, "n", 2));
      String outbox;
      try (WsSyncPeer leaving = new WsSyncPeer(connect())) {
        leaving.client().join("leaving");
        leaving.open(first, null);
        leaving.open(second, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> leaving.heads(first).equals(staying.heads(first))
            && leaving.heads(second).equals(staying.heads(second)));
        outbox = WsConnection.outboxAddress(connection("leaving").getString("connId"));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> closedEvents.stream().anyMatch(e -> "leaving".equals(e.getString("peerId"))));

      // Had the core not been told BYE, these changes would be sent on to the closed connection's outbox.
      List<JsonObject> leaked = new CopyOnWriteArrayList<>();
      MessageConsumer<JsonObject> spy = service.vertx().eventBus().consumer(outbox, m -> leaked.add(m.body()));
      Await.result(spy.completion());
      staying.change(first, tx -> tx.set(ObjectId.ROOT, "n", 10));
      staying.change(second, tx -> tx.set(ObjectId.ROOT, "n", 20));
      await().atMost(Duration.ofSeconds(10)).until(() -> service.heads(first).equals(staying.heads(first))
          && service.heads(second).equals(staying.heads(second)));
      sleep(300);
      assertThat(leaked).isEmpty();
      Await.result(spy.unregister());
    }
    JsonObject closed = closedEvents.stream().filter(e -> "leaving".equals(e.getString("peerId"))).findFirst().orElseThrow();
    assertThat(closed.getLong("bytesIn")).isPositive();
    assertThat(closed.getLong("bytesOut")).isPositive();
    Await.result(events.unregister());
  }

  static JsonObject connection(String peerId) {
    return stats().getJsonArray("connections").stream().map(JsonObject.class::cast)
        .filter(c -> peerId.equals(c.getString("peerId"))).findFirst().orElseThrow();
  }

  @Test
  void statsListOpenConnectionsWithTheirTraffic() {
    try (WsClient client = connect()) {
      client.join("counted");
      JsonArray connections = stats().getJsonArray("connections");
      assertThat(connections.stream().map(JsonObject.class::cast))
          .anyMatch(c -> "counted".equals(c.getString("peerId")) && c.getLong("bytesIn") > 0 && c.getLong("bytesOut") > 0);
    }
  }

  static Map<String, Object> request(String sender, String doc) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("type", "request");
    message.put("senderId", sender);
    message.put("documentId", doc);
    message.put("data", WsSyncPeer.emptyDocSyncMessage());
    return message;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean isProbe(Map<String, Object> message) {
    return "docsync-presence-probe".equals(message.get("senderId"));
  }
}
