package dev.docsync.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.limits.BridgeClient;
import dev.docsync.testing.Await;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A token that expires while its connection is open reads and writes nothing more: a bridge socket is told
 * (UNAUTHENTICATED "token expired") and closed, and so is a /sync socket (error, close 1008). A bridge
 * client that presents a fresh token before then carries on. (Before: the grant cached at the first frame
 * or the upgrade served the socket for as long as it stayed open.)
 */
class TokenExpiryTest {
  private static final Duration AFTER_EXPIRY = Duration.ofSeconds(8);
  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode().with("DOCSYNC_BRIDGE_TCP_ENABLED", true).with("DOCSYNC_BRIDGE_TCP_PORT", 0);
  private static TestService service;
  private static Tokens tokens;

  @BeforeAll
  static void start() {
    service = docsync.service();
    tokens = service.tokens();
  }

  @Test
  void bridgeSocketsAreRefusedAndClosedWhenTheirTokenExpires() {
    try (BridgeClient tcp = BridgeClient.tcp(service.vertx(), service.verticle().bridges().tcpPort(), null);
         BridgeClient sockJs = BridgeClient.sockJs(service.vertx(), service.httpPort(), null)) {
      for (BridgeClient client : List.of(tcp, sockJs)) {
        String shortLived = tokens.token(List.of(), List.of("exp-*"), 2);
        assertThat(request(client, shortLived, "OPEN").containsKey("failureCode")).as("valid while unexpired").isFalse();
        long expiredAt = System.currentTimeMillis();
        JsonObject told = client.next(f -> "err".equals(f.getValue("type")) && f.encode().contains("token expired"), AFTER_EXPIRY);
        assertThat(told.encode()).contains("UNAUTHENTICATED");
        client.awaitClose();
        System.out.printf("%s: told and closed %d ms after the token's first use%n", client.getClass().getSimpleName(),
            System.currentTimeMillis() - expiredAt);
      }
    }
  }

  @Test
  void aBridgeClientThatRenewsItsTokenCarriesOn() throws Exception {
    try (BridgeClient client = BridgeClient.sockJs(service.vertx(), service.httpPort(), null)) {
      assertThat(request(client, tokens.token(List.of(), List.of("exp-*"), 2), "OPEN").containsKey("failureCode")).isFalse();
      String renewed = tokens.token(List.of(), List.of("exp-*"), 300);
      assertThat(request(client, renewed, "READ").containsKey("failureCode")).isFalse();
      Thread.sleep(4_000);
      assertThat(client.isClosed()).isFalse();
      assertThat(request(client, renewed, "READ").containsKey("failureCode")).isFalse();
      // The first token, once expired, is refused frame by frame with a clear code.
      String expired = tokens.token(List.of(), List.of("exp-*"), -1);
      JsonObject refused = request(client, expired, "READ");
      assertThat(refused.getInteger("failureCode")).isEqualTo(13);
    }
  }

  @Test
  void syncSocketsAreToldAndClosedWhenTheirTokenExpires() {
    WsClient client = Await.result(WsClient.connectAsync(service.vertx(), service.httpPort(), null,
        tokens.token(List.of("*"), List.of(), 2)));
    try {
      client.join("expiring-" + UUID.randomUUID());
      long joinedAt = System.currentTimeMillis();
      Map<String, Object> error = client.next(m -> "error".equals(m.get("type")), AFTER_EXPIRY);
      assertThat(error.get("message").toString()).contains("UNAUTHENTICATED").contains("token expired");
      assertThat(client.awaitClose()).isEqualTo((short) 1008);
      System.out.printf("/sync: told and closed %d ms after join%n", System.currentTimeMillis() - joinedAt);
    } finally {
      client.close();
    }
  }

  /** A frontend request on document exp-doc with {@code token} in the headers; the reply or failure frame. */
  private static JsonObject request(BridgeClient client, String token, String type) {
    String reply = UUID.randomUUID().toString();
    client.send(new JsonObject().put("type", "send").put("address", "docsync.frontend").put("replyAddress", reply)
        .put("headers", new JsonObject().put("authorization", "Bearer " + token))
        .put("body", new JsonObject().put("type", type).put("docId", "exp-doc")));
    return client.next(f -> reply.equals(f.getValue("address")));
  }
}
