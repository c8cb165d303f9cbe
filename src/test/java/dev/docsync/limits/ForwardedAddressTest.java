package dev.docsync.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Behind a reverse proxy (DOCSYNC_HTTP_TRUST_FORWARDED), the per-IP limit counts the clients' addresses, not the proxy's. */
class ForwardedAddressTest {

  @Test
  void thePerAddressLimitCountsTheForwardedAddress() {
    Vertx clients = Vertx.vertx();
    try (TestService service = TestService.start(new JsonObject()
        .put("DOCSYNC_HTTP_TRUST_FORWARDED", true)
        .put("DOCSYNC_LIMIT_CONNECTIONS_PER_IP", 1));
         WsClient first = WsClient.connectForwarded(clients, service.httpPort(), "203.0.113.1");
         WsClient neighbour = WsClient.connectForwarded(clients, service.httpPort(), "203.0.113.2")) {
      first.join("fwd-1");
      neighbour.join("fwd-2"); // the same proxy address, another client: let in
      WsLimitsTest.assertUsable(neighbour);
      try (WsClient second = WsClient.connectForwarded(clients, service.httpPort(), "203.0.113.1")) {
        Map<String, Object> error = second.nextOfType("error");
        assertThat((String) error.get("message")).startsWith("LIMIT_EXCEEDED: more than 1 connections from 203.0.113.1");
        assertThat(second.awaitClose()).isEqualTo((short) 1008);
      }
      WsLimitsTest.assertUsable(first);
    } finally {
      clients.close();
    }
  }
}
