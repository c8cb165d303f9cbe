package dev.docsync.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The per-address HTTP connection count gives a place back when a connection closes, upgraded to a WebSocket
 * or not. Regression: an upgraded connection never gave its place back, so after DOCSYNC_LIMIT_HTTP_CONNECTIONS_PER_IP
 * WebSockets over the node's life (closed long since) every HTTP request from that address was refused.
 */
class IdleSlotReleaseTest {
  private static final int PER_IP = 10;

  @Test
  void closedWebSocketsGiveTheirPlacesBack() throws Exception {
    try (TestService service = TestService.start(new JsonObject().put("DOCSYNC_LIMIT_HTTP_CONNECTIONS_PER_IP", PER_IP))) {
      Vertx clients = Vertx.vertx();
      try {
        for (int i = 0; i < 3 * PER_IP; i++) {
          try (WsClient ws = WsClient.connect(clients, service.httpPort())) {
            ws.join("one-after-another-" + i);
          }
          Thread.sleep(20);
        }
      } finally {
        Await.result(clients.close());
      }
      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + service.httpPort() + "/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
    }
  }
}
