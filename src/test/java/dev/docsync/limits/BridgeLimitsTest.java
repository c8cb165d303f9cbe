package dev.docsync.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.protocol.Addresses;
import dev.docsync.testing.Bystander;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The limits on the event-bus bridges (SockJS through its raw WebSocket transport, and TCP), exceeded:
 * the documented refusal, the counter, and bystanders (a /sync peer that writes, bridged readers) that
 * carry on. Offenders connect from 127.0.0.2-3.
 */
@Timeout(120)
class BridgeLimitsTest {
  private static final int RATE = 20;
  private static final int BURST = 20;
  private static final int FLOOD_DROPS = 300;
  private static final int DOCS = 3;
  private static final int PER_IP = 3;

  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode().authOff() // offenders are strangers
      .with("DOCSYNC_BRIDGE_TCP_ENABLED", true)
      .with("DOCSYNC_BRIDGE_TCP_PORT", 0)
      .with("DOCSYNC_LIMIT_MESSAGES_PER_SECOND", RATE)
      .with("DOCSYNC_LIMIT_MESSAGE_BURST", BURST)
      .with("DOCSYNC_LIMIT_FLOOD_DROPS", FLOOD_DROPS)
      .with("DOCSYNC_LIMIT_DOCS_PER_CONNECTION", DOCS)
      .with("DOCSYNC_LIMIT_CONNECTIONS_PER_IP", PER_IP);
  private static TestService service;
  private static int tcpPort;
  private static Vertx clients;
  private static Bystander bystander;

  @BeforeAll
  static void start() {
    service = docsync.service();
    tcpPort = service.verticle().bridges().tcpPort();
    clients = service.clients();
    bystander = Bystander.join(service, "bridge-bystander");
  }

  /** After every test: the /sync bystander still writes, and fresh bridged clients read what it wrote. */
  @AfterEach
  void bystandersCarryOn() {
    bystander.carriesOn();
    for (String transport : List.of("sockjs", "tcp")) {
      try (BridgeClient reader = connect(transport, null)) {
        JsonObject reply = reader.reply(reader.request(Addresses.FRONTEND, read(bystander.docId())));
        assertThat(reply.getJsonObject("body").getJsonArray("heads").getList()).containsExactlyInAnyOrderElementsOf(
            bystander.heads());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sockjs", "tcp"})
  void framesOverTheRateAreDroppedAndTheirRequestsFailWithRateLimited(String transport) {
    double before = exceeded("message_rate", transport);
    int sent = 60;
    try (BridgeClient client = connect(transport, "127.0.0.2")) {
      List<String> replies = new ArrayList<>();
      for (int i = 0; i < sent; i++) {
        replies.add(client.request(Addresses.FRONTEND, read("bridge-rate-" + i)));
      }
      int answered = 0;
      int limited = 0;
      for (String reply : replies) {
        JsonObject answer = client.reply(reply);
        if ("err".equals(answer.getString("type"))) {
          assertThat(answer.getInteger("failureCode")).isEqualTo(15);
          assertThat(answer.getString("message")).startsWith("RATE_LIMITED: more than " + RATE + " messages a second");
          limited++;
        } else {
          assertThat(answer.getJsonObject("body").getString("docId")).startsWith("bridge-rate-");
          answered++;
        }
      }
      assertThat(answered).isBetween(BURST - 1, BURST + 10);
      assertThat(limited).isEqualTo(sent - answered);
      assertThat(exceeded("message_rate", transport) - before).isEqualTo(limited);
      // Still open, and usable once the rate is respected again.
      sleep(1100);
      assertThat(client.reply(client.request(Addresses.FRONTEND, read("bridge-rate-after"))).getString("type"))
          .isNotEqualTo("err");
      assertThat(client.isClosed()).isFalse();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sockjs", "tcp"})
  void aSocketFloodingFarPastTheRateIsClosed(String transport) {
    double before = exceeded("flood", transport);
    try (BridgeClient client = connect(transport, "127.0.0.2")) {
      for (int i = 0; i < BURST + FLOOD_DROPS + 100; i++) {
        client.send(new JsonObject().put("type", "ping"));
      }
      JsonObject error = client.next(f -> "err".equals(f.getString("type")) && text(f).contains("closed"));
      assertThat(text(error)).startsWith("RATE_LIMITED: kept sending far more than " + RATE + " messages a second");
      client.awaitClose();
    }
    assertThat(exceeded("flood", transport) - before).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sockjs", "tcp"})
  void openingMoreDocumentsThanAllowedIsRefusedUntilOneIsClosed(String transport) {
    double before = exceeded("docs_per_connection", transport);
    String prefix = "bridge-docs-" + UUID.randomUUID() + "-";
    try (BridgeClient client = connect(transport, "127.0.0.2")) {
      for (int i = 0; i < DOCS; i++) {
        assertThat(client.reply(client.request(Addresses.FRONTEND, open(prefix + i))).getString("type")).isNotEqualTo("err");
      }
      // The same document again is no new document.
      assertThat(client.reply(client.request(Addresses.FRONTEND, open(prefix + 0))).getString("type")).isNotEqualTo("err");
      JsonObject refused = client.reply(client.request(Addresses.FRONTEND, open(prefix + DOCS)));
      assertThat(refused.getString("type")).isEqualTo("err");
      assertThat(refused.getInteger("failureCode")).isEqualTo(16);
      assertThat(refused.getString("message")).startsWith("LIMIT_EXCEEDED: this connection already has " + DOCS + " documents open");
      // READ is not OPEN: still served.
      assertThat(client.reply(client.request(Addresses.FRONTEND, read(prefix + DOCS))).getString("type")).isNotEqualTo("err");
      // CLOSE one (opened twice: close twice), then the new one opens.
      client.reply(client.request(Addresses.FRONTEND, new JsonObject().put("type", "CLOSE").put("docId", prefix + 0)));
      client.reply(client.request(Addresses.FRONTEND, new JsonObject().put("type", "CLOSE").put("docId", prefix + 0)));
      assertThat(client.reply(client.request(Addresses.FRONTEND, open(prefix + DOCS))).getString("type")).isNotEqualTo("err");
    }
    assertThat(exceeded("docs_per_connection", transport) - before).isEqualTo(1);
  }

  @Test
  void connectionsPastThePerAddressLimitAreRefusedAcrossTransports() {
    double sockJsBefore = exceeded("connections_per_ip", "sockjs");
    double tcpBefore = exceeded("connections_per_ip", "tcp");
    double wsBefore = exceeded("connections_per_ip", "ws");
    List<AutoCloseable> open = new ArrayList<>();
    try {
      // One limit for all transports: SockJS, TCP and /sync connections from 127.0.0.3 count together.
      BridgeClient first = connect("sockjs", "127.0.0.3");
      open.add(first);
      open.add(connect("tcp", "127.0.0.3"));
      WsClient ws = WsClient.connect(clients, service.httpPort(), "127.0.0.3");
      ws.join("per-ip-ws");
      open.add(ws);
      for (String transport : List.of("sockjs", "tcp")) {
        try (BridgeClient refused = connect(transport, "127.0.0.3")) {
          JsonObject error = refused.next(f -> "err".equals(f.getString("type")));
          assertThat(text(error)).startsWith("LIMIT_EXCEEDED: more than " + PER_IP + " connections from 127.0.0.3");
          refused.awaitClose();
        }
      }
      try (WsClient refused = WsClient.connect(clients, service.httpPort(), "127.0.0.3")) {
        assertThat((String) refused.nextOfType("error").get("message")).startsWith("LIMIT_EXCEEDED: more than " + PER_IP);
        assertThat(refused.awaitClose()).isEqualTo((short) 1008);
      }
      assertThat(exceeded("connections_per_ip", "sockjs") - sockJsBefore).isEqualTo(1);
      assertThat(exceeded("connections_per_ip", "tcp") - tcpBefore).isEqualTo(1);
      assertThat(exceeded("connections_per_ip", "ws") - wsBefore).isEqualTo(1);
      // The open ones are untouched.
      assertThat(first.reply(first.request(Addresses.FRONTEND, read("bridge-per-ip"))).getString("type")).isNotEqualTo("err");
      // A closed one gives its place back.
      open.remove(first);
      first.close();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        try (BridgeClient again = connect("tcp", "127.0.0.3")) {
          assertThat(again.reply(again.request(Addresses.FRONTEND, read("bridge-per-ip"))).getString("type")).isNotEqualTo("err");
        }
      });
    } finally {
      for (AutoCloseable c : open) {
        try {
          c.close();
        } catch (Exception e) {
          // closing anyway
        }
      }
    }
  }

  // ---- helpers ----

  private static BridgeClient connect(String transport, String localAddress) {
    return "tcp".equals(transport) ? BridgeClient.tcp(clients, tcpPort, localAddress)
        : BridgeClient.sockJs(clients, service.httpPort(), localAddress);
  }

  private static JsonObject read(String docId) {
    return new JsonObject().put("type", "READ").put("docId", docId).put("view", false);
  }

  private static JsonObject open(String docId) {
    return new JsonObject().put("type", "OPEN").put("docId", docId).put("view", false);
  }

  /** An err frame's text: {@code message} (TCP, reply failures) or {@code body} (SockJS). */
  private static String text(JsonObject err) {
    return err.getValue("message") instanceof String m ? m : String.valueOf(err.getValue("body"));
  }

  private static double exceeded(String limit, String transport) {
    return Metrics.limitExceeded(service.httpPort(), limit, transport);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
