package dev.docsync.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.Await;
import dev.docsync.testing.Bystander;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.automerge.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every limit of /sync, exceeded: the sender gets the documented error (and close where documented),
 * the refusal is counted in docsync.limits.exceeded, and a bystander client on the same node keeps
 * syncing. Offenders connect from 127.0.0.2-5 so that the per-address limit never touches the bystander.
 */
@Timeout(120)
class WsLimitsTest {
  private static final int RATE = 20;
  private static final int BURST = 20;
  private static final int DOCS = 5;
  private static final int PER_IP = 4;
  private static final long JOIN_TIMEOUT_MS = 1500;
  private static final int PREJOIN = 3;
  private static final int PENDING = 6;

  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode().authOff() // offenders are strangers
      .with("DOCSYNC_LIMIT_MESSAGES_PER_SECOND", RATE)
      .with("DOCSYNC_LIMIT_MESSAGE_BURST", BURST)
      .with("DOCSYNC_LIMIT_DOCS_PER_CONNECTION", DOCS)
      .with("DOCSYNC_LIMIT_CONNECTIONS_PER_IP", PER_IP)
      .with("DOCSYNC_LIMIT_JOIN_TIMEOUT_MS", JOIN_TIMEOUT_MS)
      .with("DOCSYNC_LIMIT_PREJOIN_MESSAGES", PREJOIN)
      .with("DOCSYNC_LIMIT_PENDING_CONNECTIONS", PENDING);
  private static TestService service;
  private static Vertx clients;
  private static Bystander bystander;

  @BeforeAll
  static void start() {
    service = docsync.service();
    clients = service.clients();
    bystander = Bystander.join(service, "bystander");
  }

  /** After every test: the bystander's socket is open and its edits reach the store. */
  @AfterEach
  void bystanderCarriesOn() {
    bystander.carriesOn();
  }

  @Test
  void messagesOverTheRateAreSlowedDownNotDropped() {
    double before = exceeded("message_rate");
    String doc = "limits-rate-" + UUID.randomUUID();
    try (WsClient client = WsClient.connect(clients, service.httpPort(), "127.0.0.2")) {
      client.join("rater");
      int sent = BURST + 3 * RATE; // the burst at once, then three seconds' worth at the rate
      long started = System.nanoTime();
      for (int i = 0; i < sent; i++) {
        client.sendDoc("request", doc, WsSyncPeer.emptyDocSyncMessage());
      }
      // Every request is answered, in order, at the rate: none is dropped.
      List<Map<String, Object>> answers = new ArrayList<>();
      while (answers.stream().filter(a -> "doc-unavailable".equals(a.get("type"))).count() < sent) {
        Map<String, Object> m = client.poll(Duration.ofSeconds(10));
        assertThat(m).as("answer %d of %d", answers.size(), sent).isNotNull();
        answers.add(m);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      assertThat(seconds).as("read at %d a second after the burst", RATE).isGreaterThan(2.0);
      List<String> errors = answers.stream().filter(a -> "error".equals(a.get("type"))).map(a -> (String) a.get("message")).toList();
      assertThat(errors).isNotEmpty().hasSizeLessThanOrEqualTo((int) seconds + 1); // at most one a second
      assertThat(errors.get(0)).startsWith("RATE_LIMITED: more than " + RATE + " messages a second");
      assertThat(exceeded("message_rate") - before).isGreaterThanOrEqualTo(1);
      assertThat(client.isClosed()).isFalse();
      assertUsable(client);
    }
  }

  @Test
  void documentsPastTheLimitAreRefusedAndTheOthersStillSync() {
    double before = exceeded("docs_per_connection");
    String prefix = "limits-docs-" + UUID.randomUUID() + "-";
    try (WsSyncPeer peer = new WsSyncPeer(WsClient.connect(clients, service.httpPort(), "127.0.0.2"), "many-docs")) {
      for (int i = 0; i < DOCS; i++) {
        peer.open(prefix + i, null); // a request each: doc-unavailable, but the socket now syncs it
        String doc = prefix + i;
        peer.client().next(m -> "doc-unavailable".equals(m.get("type")) && doc.equals(m.get("documentId")));
      }
      peer.open(prefix + DOCS, null);
      Map<String, Object> error = peer.client().nextOfType("error");
      assertThat((String) error.get("message")).startsWith("LIMIT_EXCEEDED: this connection already syncs " + DOCS + " documents")
          .contains(prefix + DOCS);
      peer.client().next(m -> "doc-unavailable".equals(m.get("type")) && (prefix + DOCS).equals(m.get("documentId")));
      assertThat(exceeded("docs_per_connection") - before).isEqualTo(1);

      // A document the socket already syncs still syncs both ways.
      try (WsSyncPeer writer = new WsSyncPeer(WsClient.connect(clients, service.httpPort()), "docs-writer")) {
        writer.open(prefix + 0, tx -> tx.set(ObjectId.ROOT, "from", "writer"));
        await().atMost(Duration.ofSeconds(10)).until(() -> peer.heads(prefix + 0).equals(writer.heads(prefix + 0)));
      }
      assertThat(peer.client().isClosed()).isFalse();
    }
  }

  @Test
  void connectionsPastThePerAddressLimitAreRefusedWithAnErrorAndClose1008() {
    double before = exceeded("connections_per_ip");
    List<WsClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < PER_IP; i++) {
        WsClient client = WsClient.connect(clients, service.httpPort(), "127.0.0.3");
        client.join("per-ip-" + i);
        open.add(client);
      }
      try (WsClient refused = WsClient.connect(clients, service.httpPort(), "127.0.0.3")) {
        Map<String, Object> error = refused.nextOfType("error");
        assertThat((String) error.get("message")).startsWith("LIMIT_EXCEEDED: more than " + PER_IP + " connections from 127.0.0.3");
        assertThat(refused.awaitClose()).isEqualTo((short) 1008);
      }
      assertThat(exceeded("connections_per_ip") - before).isEqualTo(1);
      // The connections already open are untouched; another address is not affected.
      open.forEach(WsLimitsTest::assertUsable);
      try (WsClient other = WsClient.connect(clients, service.httpPort(), "127.0.0.4")) {
        other.join("per-ip-other");
        assertUsable(other);
      }
      // Closing one gives its place back.
      WsClient first = open.remove(0);
      first.close();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        try (WsClient again = WsClient.connect(clients, service.httpPort(), "127.0.0.3")) {
          again.join("per-ip-again");
        }
      });
    } finally {
      open.forEach(WsClient::close);
    }
  }

  @Test
  void aSocketThatDoesNotJoinInTimeIsClosed() {
    double before = exceeded("join_timeout");
    long start = System.nanoTime();
    try (WsClient silent = WsClient.connect(clients, service.httpPort(), "127.0.0.2")) {
      Map<String, Object> error = silent.nextOfType("error");
      assertThat((String) error.get("message")).startsWith("LIMIT_EXCEEDED: no join within " + JOIN_TIMEOUT_MS + " ms");
      assertThat(silent.awaitClose()).isEqualTo((short) 1008);
      assertThat((System.nanoTime() - start) / 1e6).isBetween(JOIN_TIMEOUT_MS * 0.9, JOIN_TIMEOUT_MS + 5000.0);
    }
    assertThat(exceeded("join_timeout") - before).isEqualTo(1);
    // A socket that joins in time stays (past the timeout).
    try (WsClient joined = WsClient.connect(clients, service.httpPort(), "127.0.0.2")) {
      joined.join("in-time");
      sleep(JOIN_TIMEOUT_MS + 300);
      assertUsable(joined);
    }
  }

  @Test
  void messagesBeforeJoinPastTheLimitAreDroppedUnread() {
    double before = exceeded("prejoin_messages");
    String doc = "limits-prejoin-" + UUID.randomUUID();
    try (WsClient early = WsClient.connect(clients, service.httpPort(), "127.0.0.2")) {
      for (int i = 0; i < PREJOIN + 2; i++) {
        early.send(WsClient.docMessage("request", "early", doc, WsSyncPeer.emptyDocSyncMessage()));
      }
      Map<String, Object> error = early.nextOfType("error");
      assertThat((String) error.get("message")).startsWith("LIMIT_EXCEEDED: more than " + PREJOIN + " messages before join");
      // Even a join is not read now: no peer answer; the join timeout closes the socket.
      early.send(WsClient.joinMessage("early"));
      assertThat(early.awaitClose()).isEqualTo((short) 1008);
      assertThat(early.drain()).noneMatch(m -> "peer".equals(m.get("type")));
    }
    assertThat(exceeded("prejoin_messages") - before).isEqualTo(3);
  }

  @Test
  void socketsPastThePendingLimitAreToldToComeBackLater() {
    double before = exceeded("pending_connections");
    List<WsClient> waiting = new ArrayList<>();
    try {
      // PENDING sockets that do not join (from two addresses: the per-address limit is lower).
      List<Future<WsClient>> connecting = new ArrayList<>();
      for (int i = 0; i < PENDING; i++) {
        connecting.add(WsClient.connectAsync(clients, service.httpPort(), i % 2 == 0 ? "127.0.0.4" : "127.0.0.5"));
      }
      connecting.forEach(f -> waiting.add(Await.result(f)));
      try (WsClient refused = WsClient.connect(clients, service.httpPort(), "127.0.0.3")) {
        Map<String, Object> error = refused.nextOfType("error");
        assertThat((String) error.get("message")).startsWith("OVERLOADED: more than " + PENDING + " connections waiting to join");
        assertThat(refused.awaitClose()).isEqualTo((short) 1013);
      }
      assertThat(exceeded("pending_connections") - before).isEqualTo(1);
      // One of them joins: its place is free for a newcomer.
      waiting.get(0).join("pending-joined");
      try (WsClient newcomer = WsClient.connect(clients, service.httpPort(), "127.0.0.3")) {
        newcomer.join("newcomer");
        assertUsable(newcomer);
      }
    } finally {
      waiting.forEach(WsClient::close);
    }
  }

  // ---- helpers ----

  private static double exceeded(String limit) {
    return Metrics.limitExceeded(service.httpPort(), limit, "ws");
  }

  /** The socket still answers a request (doc-unavailable, for a document nobody has). */
  static void assertUsable(WsClient client) {
    String doc = "limits-probe-" + UUID.randomUUID();
    client.sendDoc("request", doc, WsSyncPeer.emptyDocSyncMessage());
    assertThat(client.next(m -> "doc-unavailable".equals(m.get("type")) && doc.equals(m.get("documentId")))).isNotNull();
    assertThat(client.isClosed()).isFalse();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
