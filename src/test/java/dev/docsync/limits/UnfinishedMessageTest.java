package dev.docsync.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.auth.Tokens;
import dev.docsync.testing.Await;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.automerge.ObjectId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sockets that start fragmented messages and never finish them (a token without grants is enough):
 * the fragments held are bounded per address and per node, an unfinished message has a deadline, and
 * an honest client keeps syncing meanwhile. Authentication on, real tokens.
 */
@Timeout(300)
class UnfinishedMessageTest {
  private static final int ADDRESSES = 10;
  private static final int SOCKETS_PER_ADDRESS = 7;
  private static final int FRAGMENTS = 15;
  private static final int FRAGMENT_BYTES = 1 << 20;
  private static final long DEADLINE_MS = 20_000;

  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode().with("DOCSYNC_LIMIT_UNFINISHED_MESSAGE_MS", DEADLINE_MS);
  private static TestService service;
  private static Vertx clients;
  private static Tokens tokens;

  @BeforeAll
  static void start() {
    service = docsync.service();
    tokens = service.tokens();
    clients = service.clients();
  }

  @Test
  void unfinishedMessagesHoldABoundedHeapAndAreClosedAtTheDeadline() {
    String nothing = tokens.token("mallory", List.of(), List.of(), 3600);
    long baseline = Attack.heapMiB();
    double refusedBefore = Attack.exceeded(service.httpPort(), tokens, "unfinished_message", "ws");
    List<RawSocketWs> attackers = new ArrayList<>();
    ScheduledExecutorService keepAlive = Executors.newSingleThreadScheduledExecutor();
    try {
      byte[] fragment = new byte[FRAGMENT_BYTES];
      // Pongs between the fragments (control frames may come between them) keep the pings from closing them.
      keepAlive.scheduleAtFixedRate(() -> List.copyOf(attackers).forEach(a -> {
        try {
          a.pong();
        } catch (RuntimeException e) {
          // closed by the server
        }
      }), 1, 1, TimeUnit.SECONDS);
      for (int a = 0; a < ADDRESSES; a++) {
        for (int s = 0; s < SOCKETS_PER_ADDRESS; s++) {
          RawSocketWs attacker = RawSocketWs.open(service.httpPort(), "127.0.1." + (a + 1), nothing);
          synchronized (attackers) {
            attackers.add(attacker);
          }
          attacker.join("unfinished-" + a + "-" + s);
          try {
            attacker.frame(0x2, fragment, false);
            for (int f = 1; f < FRAGMENTS; f++) {
              attacker.frame(0x0, fragment, false);
            }
          } catch (RuntimeException e) {
            // refused and closed part-way: the budget at work
          }
        }
      }
      long started = System.nanoTime();
      // 70 sockets x 15 MiB would hold 1,050 MiB; the node's budget is 256 MiB, each address's 64 MiB.
      await().atMost(Duration.ofSeconds(60)).until(() -> Attack.exceeded(service.httpPort(), tokens, "unfinished_message", "ws")
          - refusedBefore >= 1);
      Attack.sleep(3000);
      long held = unfinished().held();
      long underAttack = Attack.heapMiB();
      double refused = Attack.exceeded(service.httpPort(), tokens, "unfinished_message", "ws") - refusedBefore;
      System.out.printf("unfinished attack: heap after GC %d MiB before, %d MiB under attack; %d MiB held in unfinished messages,"
          + " %d of %d sockets refused%n", baseline, underAttack, held >> 20, (long) refused, attackers.size());
      assertThat(held).isLessThanOrEqualTo(256L << 20);
      assertThat(underAttack - baseline).as("heap growth under attack, MiB").isLessThan(320);

      honestClientSyncs();

      // At the deadline the rest are closed and every byte is given back.
      await().atMost(Duration.ofMillis(DEADLINE_MS + 15_000)).until(() ->
          Attack.exceeded(service.httpPort(), tokens, "unfinished_message", "ws") - refusedBefore >= attackers.size());
      System.out.printf("all unfinished sockets closed %d ms after the attack began%n", (System.nanoTime() - started) / 1_000_000);
      await().atMost(Duration.ofSeconds(10)).until(() -> unfinished().held() == 0);
      attackers.forEach(a -> assertThat(a.drainUntilClosed(10_000)).as("closed by the server").isTrue());
    } finally {
      keepAlive.shutdownNow();
      attackers.forEach(RawSocketWs::close);
    }
  }

  @Test
  void anHonestFragmentedMessageIsStillAssembled() {
    String doc = "frag-" + UUID.randomUUID();
    String ada = tokens.token("ada", List.of("frag-*"), List.of("frag-*"), 3600);
    try (WsClient client = Await.result(WsClient.connectAsync(clients, service.httpPort(), null, ada))) {
      client.join("fragmenter");
      Map<String, Object> request = WsClient.docMessage("request", "fragmenter", doc, WsSyncPeer.emptyDocSyncMessage());
      byte[] bytes = WsClient.encode(request);
      int half = bytes.length / 2;
      client.socket().writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(bytes).getBuffer(0, half), false));
      client.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(bytes).getBuffer(half, bytes.length), true));
      assertThat(client.next(m -> "doc-unavailable".equals(m.get("type")) && doc.equals(m.get("documentId")))).isNotNull();
    }
  }

  private static void honestClientSyncs() {
    String doc = "honest-" + UUID.randomUUID();
    String ada = tokens.token("ada", List.of("honest-*"), List.of("honest-*"), 3600);
    byte[] blob = new byte[3 << 20];
    new Random(3).nextBytes(blob);
    try (WsSyncPeer honest = new WsSyncPeer(Await.result(WsClient.connectAsync(clients, service.httpPort(), null, ada)), "honest")) {
      honest.open(doc, tx -> tx.set(ObjectId.ROOT, "blob", blob));
      await().atMost(Duration.ofSeconds(30)).until(() -> service.heads(doc).equals(honest.heads(doc)));
    }
    assertThat(Attack.get(service.httpPort(), "/health", null).statusCode()).isEqualTo(200);
  }

  private static ByteBudget unfinished() {
    return ByteBudget.of(service.vertx(), "ws-unfinished", 0, 0); // the node's, created by the endpoint
  }
}
