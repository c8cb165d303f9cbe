package dev.docsync.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.auth.Tokens;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import dev.docsync.transport.ws.SyncEndpoint;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that stop reading /sync (but send a small frame now and then, so pings keep them open) while
 * someone floods their documents: what is queued for them stays bounded (ephemerals dropped, sync
 * deferred and resynced afterwards, stalled sockets closed), the heap after GC stays bounded, and an
 * honest client keeps syncing, with a 3 MiB change over WebSocket and REST. Authentication on, real tokens.
 */
@Timeout(300)
class OutboundBackpressureTest {
  private static final int SLEEPERS = 6;
  private static final int EPHEMERALS = 30;
  private static final int EPHEMERAL_BYTES = 4 << 20;
  /** Well inside the shortest ping interval here (1 s): a pong every second raced the pings, so a sleeper could be
   * closed for not answering instead of for not reading. */
  private static final long PONG_MS = 250;

  private TestService service;
  private Vertx clients;
  private Tokens tokens;
  private final List<WsClient> open = new ArrayList<>();
  private final List<RawSocketWs> raw = new ArrayList<>();
  private final ScheduledExecutorService keepAlive = Executors.newSingleThreadScheduledExecutor();

  @BeforeEach
  void start() {
    clients = Vertx.vertx();
  }

  private void startService(JsonObject settings) {
    service = TestService.start(Tokens.authOn().mergeIn(settings));
    tokens = new Tokens(service.vertx(), Tokens.SECRET);
  }

  @AfterEach
  void stop() {
    keepAlive.shutdownNow();
    raw.forEach(RawSocketWs::close);
    open.forEach(WsClient::close);
    Await.result(clients.close());
    if (service != null) {
      service.close();
    }
  }

  @Test
  void clientsThatStopReadingHoldABoundedHeapWhileAnHonestClientSyncs() {
    startService(new JsonObject());
    String doc = "attack-" + UUID.randomUUID();
    String mallory = tokens.token("mallory", List.of("attack-*"), List.of(), 3600);
    long baseline = Attack.heapMiB();

    List<RawSocketWs> sleepers = sleepers(doc, mallory);
    WsClient source = connect("127.0.0.3", mallory);
    source.join("source");
    byte[] junk = new byte[EPHEMERAL_BYTES];
    new Random(1).nextBytes(junk);
    for (int i = 0; i < EPHEMERALS; i++) {
      source.send(Attack.ephemeral(source, doc, junk, i));
    }
    // Every ephemeral has reached the node and been relayed (or dropped) to the sleepers.
    await().atMost(Duration.ofSeconds(120)).until(() -> messagesIn("source") >= EPHEMERALS + 1);
    Attack.sleep(1000);
    long underAttack = Attack.heapMiB();
    long queued = outboundQueued();
    System.out.printf("outbound attack: heap after GC %d MiB before, %d MiB under attack; %d bytes queued for %d sleepers%n",
        baseline, underAttack, queued, SLEEPERS);

    // 30 x 4 MiB to each of 6 sleepers would pin 720 MiB; ephemerals stop at half of the 32 MiB socket bound.
    assertThat(queued).isLessThanOrEqualTo(SLEEPERS * (16L << 20));
    assertThat(underAttack - baseline).as("heap growth under attack, MiB").isLessThan(200);
    assertThat(Attack.exceeded(service.httpPort(), tokens, "outbound_ephemeral_dropped", "ws")).isGreaterThan(0);
    assertThat(Attack.exceeded(service.httpPort(), tokens, "outbound_closed", "ws")).isZero(); // bounded, not disconnected

    honestClientSyncsThreeMebibytes();
  }

  @Test
  void syncMessagesToASocketThatIsBehindAreDeferredThenResyncedWithoutLoss() {
    // A small socket bound so that a few changes fill it.
    startService(new JsonObject().put("DOCSYNC_WS_OUTBOUND_MAX_BYTES", 1 << 20));
    String doc = "hot-" + UUID.randomUUID();
    String token = tokens.token("ada", List.of("hot-*"), List.of("hot-*"), 3600);
    WsSyncPeer writer = new WsSyncPeer(Await.result(WsClient.connectAsync(clients, service.httpPort(), null, token)), "writer");
    open.add(writer.client());
    writer.open(doc, tx -> tx.set(ObjectId.ROOT, "start", 0));
    await().atMost(Duration.ofSeconds(10)).until(() -> service.heads(doc).equals(writer.heads(doc)));

    // The slow peer: a plain socket that asks for the document, then reads nothing for a while.
    Document replica = new Document();
    SyncState state = new SyncState();
    RawSocketWs slow = RawSocketWs.open(service.httpPort(), null, token);
    raw.add(slow);
    slow.join("slow");
    slow.send(WsClient.docMessage("request", "slow", doc, replica.generateSyncMessage(state).orElseThrow()));
    await().atMost(Duration.ofSeconds(10)).until(() -> stats().getJsonArray("connections").stream().map(JsonObject.class::cast)
        .anyMatch(c -> "slow".equals(c.getString("peerId")) && c.getInteger("documents") == 1));
    keepAlive.scheduleAtFixedRate(() -> slow.pong(), 0, PONG_MS, TimeUnit.MILLISECONDS);

    Random random = new Random(2);
    for (int i = 0; i < 40; i++) {
      byte[] blob = new byte[256 << 10];
      random.nextBytes(blob);
      int n = i;
      writer.change(doc, tx -> tx.set(ObjectId.ROOT, "blob" + n, blob));
      Attack.sleep(60); // one sync round each (pace 50 ms): many messages to the sleeping peer
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> service.heads(doc).equals(writer.heads(doc)));
    assertThat(Attack.exceeded(service.httpPort(), tokens, "outbound_sync_deferred", "ws")).isGreaterThan(0);
    assertThat(outboundQueued()).isLessThanOrEqualTo(2L << 20);

    // Reading again, the slow peer ends up with every change: nothing was lost by deferring.
    long deadline = System.currentTimeMillis() + 60_000;
    List<String> serverHeads = service.heads(doc);
    while (!headsOf(replica).equals(serverHeads) && System.currentTimeMillis() < deadline) {
      Map<String, Object> message = slow.read(1000);
      if (message != null && "sync".equals(message.get("type"))) {
        replica.receiveSyncMessage(state, (byte[]) message.get("data"));
        replica.generateSyncMessage(state).ifPresent(data -> slow.send(WsClient.docMessage("sync", "slow", doc, data)));
      }
    }
    assertThat(headsOf(replica)).isEqualTo(serverHeads);
    state.free();
    replica.free();
  }

  private static List<String> headsOf(Document doc) {
    return Arrays.stream(doc.getHeads()).map(h -> HexFormat.of().formatHex(h.getBytes())).sorted().toList();
  }

  @Test
  void aClientThatTakesNothingForTheStallTimeIsClosed() {
    startService(new JsonObject().put("DOCSYNC_WS_OUTBOUND_STALL_MS", 2000).put("DOCSYNC_WS_PING_MS", 1000));
    String doc = "attack-" + UUID.randomUUID();
    String mallory = tokens.token("mallory", List.of("attack-*"), List.of(), 3600);
    List<RawSocketWs> sleepers = sleepers(doc, mallory);
    WsClient source = connect("127.0.0.3", mallory);
    source.join("source");
    byte[] junk = new byte[EPHEMERAL_BYTES];
    for (int i = 0; i < 8; i++) {
      source.send(Attack.ephemeral(source, doc, junk, i));
    }
    long started = System.nanoTime();
    // A liveness bound, not a speed one: on a loaded 2-core machine the stall checks and pings run late.
    await().atMost(Duration.ofSeconds(90)).until(() -> Attack.exceeded(service.httpPort(), tokens, "outbound_closed", "ws") >= SLEEPERS);
    System.out.printf("stalled sleepers closed %d ms after the flood began%n", (System.nanoTime() - started) / 1_000_000);
    // The node lets go of what they did not read without their help (a close frame would wait behind it).
    await().atMost(Duration.ofSeconds(10)).until(() -> outboundQueued() == 0 && stats().getJsonArray("connections").size() == 1);
    sleepers.forEach(s -> assertThat(s.drainUntilClosed(10_000)).as("TCP closed by the server").isTrue());
    assertThat(source.isClosed()).isFalse();
  }

  /**
   * Sockets (plain, hand-written: what they do not read stays in the kernel) that ask for {@code doc}
   * so that its ephemerals reach them, never read, and send a pong every {@link #PONG_MS} so pings keep them open.
   */
  private List<RawSocketWs> sleepers(String doc, String token) {
    List<RawSocketWs> sleepers = new ArrayList<>();
    for (int i = 0; i < SLEEPERS; i++) {
      RawSocketWs sleeper = RawSocketWs.open(service.httpPort(), "127.0.0.2", token);
      sleepers.add(sleeper);
      raw.add(sleeper);
      sleeper.join("sleeper-" + i);
      sleeper.request("sleeper-" + i, doc);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> stats().getJsonArray("connections").stream().map(JsonObject.class::cast)
        .filter(c -> String.valueOf(c.getString("peerId")).startsWith("sleeper-")).filter(c -> c.getInteger("documents") == 1)
        .count() == SLEEPERS);
    keepAlive.scheduleAtFixedRate(() -> sleepers.forEach(s -> {
      try {
        s.pong();
      } catch (RuntimeException e) {
        // closed by the server
      }
    }), 0, PONG_MS, TimeUnit.MILLISECONDS);
    return sleepers;
  }

  private void honestClientSyncsThreeMebibytes() {
    String doc = "honest-" + UUID.randomUUID();
    String ada = tokens.token("ada", List.of("honest-*"), List.of("honest-*"), 3600);
    byte[] blob = new byte[3 << 20];
    new Random(3).nextBytes(blob);
    WsSyncPeer honest = new WsSyncPeer(Await.result(WsClient.connectAsync(clients, service.httpPort(), null, ada)), "honest");
    open.add(honest.client());
    long t0 = System.nanoTime();
    honest.open(doc, tx -> tx.set(ObjectId.ROOT, "blob", blob));
    await().atMost(Duration.ofSeconds(30)).until(() -> service.heads(doc).equals(honest.heads(doc)));
    System.out.printf("honest 3 MiB change over /sync stored in %d ms under attack%n", (System.nanoTime() - t0) / 1_000_000);

    Document local = new Document();
    try (Transaction tx = local.startTransaction()) {
      tx.set(ObjectId.ROOT, "rest-blob", blob);
      tx.commit();
    }
    byte[] change = local.encodeChangesSince(new ChangeHash[0]);
    local.free();
    assertThat(Attack.post(service.httpPort(), "/api/docs/honest-rest-" + UUID.randomUUID() + "/changes", ada, change).statusCode())
        .isEqualTo(200);
    assertThat(Attack.get(service.httpPort(), "/health", null).statusCode()).isEqualTo(200);
  }

  private WsClient connect(String from, String token) {
    WsClient client = Await.result(WsClient.connectAsync(clients, service.httpPort(), from, token));
    open.add(client);
    return client;
  }

  private JsonObject stats() {
    return Await.result(service.vertx().eventBus().<JsonObject>request(SyncEndpoint.STATS_ADDRESS, null)).body();
  }

  private long messagesIn(String peerId) {
    return stats().getJsonArray("connections").stream().map(JsonObject.class::cast)
        .filter(c -> peerId.equals(c.getString("peerId"))).mapToLong(c -> c.getLong("messagesIn")).sum();
  }

  private long outboundQueued() {
    return stats().getJsonArray("connections").stream().map(JsonObject.class::cast)
        .mapToLong(c -> c.getLong("outboundQueuedBytes", 0L)).sum();
  }
}
