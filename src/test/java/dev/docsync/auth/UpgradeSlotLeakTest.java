package dev.docsync.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.limits.Metrics;
import dev.docsync.testing.Await;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every way a /sync upgrade can fail gives back the connection's places in the per-IP and pending counts:
 * signed tokens whose exp, nbf or iat are not numbers (the verifier threw on them), a query that cannot be
 * decoded, clients that hang up while their upgrade is being handled. After more such attempts from one
 * address than DOCSYNC_LIMIT_CONNECTIONS_PER_IP (256), that address still connects and nothing is pending.
 */
class UpgradeSlotLeakTest {
  private static final String ATTACKER_IP = "127.0.0.7";
  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode();
  private static TestService service;
  private static Tokens tokens;

  @BeforeAll
  static void start() {
    service = docsync.service();
    tokens = service.tokens();
  }

  @Test
  void failedUpgradesDoNotLockTheAddressOut() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    List<String> malformed = List.of(
        tokens.signed(new JsonObject().put("sub", "x").put("exp", "soon")),
        tokens.signed(new JsonObject().put("sub", "x").put("exp", now + 60).put("nbf", "yesterday")),
        tokens.signed(new JsonObject().put("sub", "x").put("exp", now + 60).put("iat", new JsonObject())));
    long start = System.nanoTime();
    int attempts = 0;
    for (String token : malformed) {
      attempts += attempt(100, () -> refusedUpgrade(token));
    }
    // A query the server cannot decode (Vert.x's own client refuses to send it: raw HTTP).
    for (String query : List.of("%zz", "%", "a%2", "%C3%28")) {
      attempts += attempt(100, () -> rawUpgrade(query, true));
    }
    String valid = tokens.token(List.of("*"), List.of(), 300);
    attempts += attempt(100, () -> rawUpgrade(valid, false));
    System.out.printf("%d failed upgrades from %s in %d ms%n", attempts, ATTACKER_IP, (System.nanoTime() - start) / 1_000_000);

    await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0);
    WsClient honest = Await.result(WsClient.connectAsync(service.vertx(), service.httpPort(), ATTACKER_IP, valid));
    try {
      assertThat(honest.join("after-" + UUID.randomUUID()).get("type")).isEqualTo("peer");
    } finally {
      honest.close();
    }
  }

  /** {@code count} attempts, 20 at a time. */
  private static int attempt(int count, Supplier<Future<?>> attempt) {
    for (int done = 0; done < count; done += 20) {
      List<Future<?>> batch = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        batch.add(attempt.get());
      }
      Await.result(Future.join(batch));
    }
    return count;
  }

  /** Upgraded, told why, closed (1008); or refused before the upgrade. Either way: over once the socket is gone. */
  private static Future<?> refusedUpgrade(String token) {
    return WsClient.connectAsync(service.vertx(), service.httpPort(), ATTACKER_IP, token)
        .compose(client -> Future.fromCompletionStage(client.closed()).eventually(() -> {
          client.close();
          return Future.succeededFuture();
        }))
        .otherwiseEmpty();
  }

  /** Sends the upgrade request, then hangs up: once the server answered, or at once (while the upgrade is handled). */
  private static Future<?> rawUpgrade(String token, boolean awaitAnswer) {
    NetClient net = service.vertx().createNetClient(new NetClientOptions().setLocalAddress(ATTACKER_IP));
    String request = "GET /sync?token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    return net.connect(service.httpPort(), "127.0.0.1")
        .compose(socket -> {
          Promise<Void> answered = Promise.promise();
          socket.handler(bytes -> answered.tryComplete());
          socket.closeHandler(v -> answered.tryComplete());
          return socket.write(Buffer.buffer(request))
              .compose(v -> awaitAnswer ? answered.future() : Future.succeededFuture())
              .eventually(socket::close);
        })
        .eventually(net::close)
        .otherwiseEmpty();
  }

  /** WebSockets not joined yet, from the scrape (with an operator's token). */
  private static double pending() throws Exception {
    HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + service.httpPort() + "/metrics?token=" + tokens.admin(60))).build(),
        HttpResponse.BodyHandlers.ofString());
    return Metrics.sum(scrape.body(), "docsync_ws_pending");
  }
}
