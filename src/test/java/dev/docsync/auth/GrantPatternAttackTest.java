package dev.docsync.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.limits.BridgeClient;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An attacker with a valid token whose grant patterns backtrack ({@code *-*-*.md} as a regex is cubic in the id's
 * length) and ids far longer than any document id: each request is refused at once, on every transport, and an
 * honest client sent right after the attack is answered meanwhile. (Before: one such request froze the event loop
 * that serves HTTP, /sync and SockJS for minutes.)
 */
class GrantPatternAttackTest {
  private static final List<String> PATTERNS = List.of("*-*-*.md", "team-*-doc-*.md", "*a*a*a*a*a*a*a*a*a*a*a*b");
  private static final String LONG_REST_ID = "a" + "-".repeat(1_000);
  private static final String LONG_BRIDGE_ID = "team-" + "-doc-".repeat(80_000);
  /** A valid id (128 characters) on which the many-star pattern backtracked too. */
  private static final String STARRED_ID = "a".repeat(128);
  private static final Duration PROMPT = Duration.ofSeconds(3);

  private static TestService service;
  private static String attacker;
  private static String honest;

  @BeforeAll
  static void start() {
    service = TestService.start(Tokens.authOn().put("DOCSYNC_BRIDGE_TCP_ENABLED", true).put("DOCSYNC_BRIDGE_TCP_PORT", 0));
    Tokens tokens = new Tokens(service.vertx(), Tokens.SECRET);
    attacker = tokens.token("mallory", PATTERNS, PATTERNS, 600);
    honest = tokens.token("ada", List.of(), List.of("notes-*"), 600);
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void restRefusesAtOnceAndAnswersOthersMeanwhile() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long start = System.nanoTime();
    CompletableFuture<HttpResponse<String>> longId = http.sendAsync(get(LONG_REST_ID, attacker), HttpResponse.BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> starred = http.sendAsync(get(STARRED_ID, attacker), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> honestAnswer = http.sendAsync(get("notes-1", honest), HttpResponse.BodyHandlers.ofString())
        .get(PROMPT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(honestAnswer.statusCode()).isEqualTo(200);
    HttpResponse<String> refused = longId.get(PROMPT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("INVALID_DOC_ID");
    assertThat(starred.get(PROMPT.toMillis(), TimeUnit.MILLISECONDS).statusCode()).isEqualTo(403);
    report("REST", start);
  }

  @Test
  void bridgesRefuseAtOnceAndAnswerOthersMeanwhile() {
    try (BridgeClient tcp = BridgeClient.tcp(service.vertx(), service.verticle().bridges().tcpPort(), null);
         BridgeClient sockJs = BridgeClient.sockJs(service.vertx(), service.httpPort(), null);
         BridgeClient bystander = BridgeClient.sockJs(service.vertx(), service.httpPort(), null)) {
      for (BridgeClient client : List.of(tcp, sockJs)) {
        long start = System.nanoTime();
        String longId = send(client, attacker, LONG_BRIDGE_ID);
        String starred = send(client, attacker, STARRED_ID);
        client.send(new JsonObject().put("type", "register").put("address", "docsync.changes." + LONG_BRIDGE_ID)
            .put("headers", bearer(attacker)));
        String honestOpen = send(bystander, honest, "notes-1");
        assertThat(bystander.next(f -> honestOpen.equals(f.getValue("address")), PROMPT).containsKey("failureCode")).isFalse();
        assertThat(client.next(f -> longId.equals(f.getValue("address")), PROMPT).getInteger("failureCode")).isEqualTo(3);
        assertThat(client.next(f -> starred.equals(f.getValue("address")), PROMPT).getInteger("failureCode")).isEqualTo(14);
        assertThat(client.next(f -> "err".equals(f.getValue("type")) && f.encode().contains("INVALID_DOC_ID"), PROMPT)).isNotNull();
        report(client instanceof BridgeClient.Tcp ? "TCP bridge" : "SockJS bridge", start);
      }
    }
  }

  @Test
  void syncRefusesAtOnceAndAnswersOthersMeanwhile() {
    WsClient mallory = Await.result(WsClient.connectAsync(service.vertx(), service.httpPort(), null, attacker));
    WsClient ada = Await.result(WsClient.connectAsync(service.vertx(), service.httpPort(), null, honest));
    try {
      mallory.join("mallory-" + UUID.randomUUID());
      ada.join("ada-" + UUID.randomUUID());
      long start = System.nanoTime();
      mallory.sendDoc("request", STARRED_ID, WsSyncPeer.emptyDocSyncMessage());
      mallory.sendDoc("request", LONG_BRIDGE_ID, WsSyncPeer.emptyDocSyncMessage());
      ada.sendDoc("request", "notes-2", WsSyncPeer.emptyDocSyncMessage());
      assertThat(ada.next(m -> "notes-2".equals(m.get("documentId")), PROMPT)).isNotNull();
      Map<String, Object> forbidden = mallory.next(m -> "error".equals(m.get("type")), PROMPT);
      assertThat(forbidden.get("message").toString()).contains("FORBIDDEN");
      assertThat(mallory.next(m -> "error".equals(m.get("type")), PROMPT).get("message").toString()).contains("documentId");
      report("/sync", start);
    } finally {
      mallory.close();
      ada.close();
    }
  }

  private static String send(BridgeClient client, String token, String docId) {
    String reply = UUID.randomUUID().toString();
    client.send(new JsonObject().put("type", "send").put("address", "docsync.frontend").put("replyAddress", reply)
        .put("headers", bearer(token)).put("body", new JsonObject().put("type", "OPEN").put("docId", docId)));
    return reply;
  }

  private static JsonObject bearer(String token) {
    return new JsonObject().put("authorization", "Bearer " + token);
  }

  private static HttpRequest get(String docId, String token) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/api/docs/" + docId))
        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build();
  }

  private static void report(String transport, long startNanos) {
    System.out.printf("%s: pathological grant + long/starred ids refused, honest client answered, in %d ms%n",
        transport, (System.nanoTime() - startNanos) / 1_000_000);
  }
}
