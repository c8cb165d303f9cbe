package dev.docsync.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With authentication on, GET /metrics (the node's traffic, load and failures) is for operators: a token with
 * {@code "admin": true}; 401 without a token, 403 with a document token. DOCSYNC_METRICS_PUBLIC=true opens it
 * for scrapers on a private network. /health stays open.
 */
class MetricsAuthTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void onlyAnOperatorsTokenReadsTheMetrics() throws Exception {
    try (TestService service = TestService.start(Tokens.authOn())) {
      Tokens tokens = new Tokens(service.vertx(), Tokens.SECRET);
      int port = service.httpPort();
      HttpResponse<String> anonymous = get(port, "/metrics", null);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(new JsonObject(anonymous.body()).getString("error")).isEqualTo("UNAUTHENTICATED");
      HttpResponse<String> user = get(port, "/metrics", tokens.token(List.of("*"), List.of("*"), 60));
      assertThat(user.statusCode()).isEqualTo(403);
      assertThat(new JsonObject(user.body()).getString("error")).isEqualTo("FORBIDDEN");
      String notQuiteAdmin = tokens.signed(new JsonObject().put("sub", "eve").put("admin", "true")
          .put("exp", System.currentTimeMillis() / 1000 + 60));
      assertThat(get(port, "/metrics", notQuiteAdmin).statusCode()).isEqualTo(403);
      assertThat(get(port, "/metrics", tokens.admin(-60)).statusCode()).as("expired").isEqualTo(401);
      HttpResponse<String> operator = get(port, "/metrics", tokens.admin(60));
      assertThat(operator.statusCode()).isEqualTo(200);
      assertThat(operator.body()).contains("docsync_auth_failures_total");
      assertThat(get(port, "/health", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void metricsCanBeMadePublicForAPrivateScraper() throws Exception {
    try (TestService service = TestService.start(Tokens.authOn().put("DOCSYNC_METRICS_PUBLIC", true))) {
      HttpResponse<String> scrape = get(service.httpPort(), "/metrics", null);
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.body()).contains("docsync_");
      assertThat(get(service.httpPort(), "/api/docs/doc-1", null).statusCode()).as("documents stay closed").isEqualTo(401);
    }
  }

  private HttpResponse<String> get(int port, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
