package dev.docsync.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.Changes;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Without a valid token that grants the document, nothing is read or written over HTTP. */
class RestAuthTest {
  private static TestService service;
  private static Tokens tokens;
  private static String base;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    service = TestService.start(Tokens.authOn());
    tokens = new Tokens(service.vertx(), Tokens.SECRET);
    base = "http://127.0.0.1:" + service.httpPort() + "/api/docs/";
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void onlyAValidTokenForTheDocumentReadsOrWrites() throws Exception {
    String writer = tokens.token(List.of(), List.of("team-*"), 60);
    assertThat(post("team-1", writer).statusCode()).isEqualTo(200);

    assertThat(get("team-1", null).statusCode()).isEqualTo(401);
    assertThat(post("team-1", null).statusCode()).isEqualTo(401);
    String forged = new Tokens(service.vertx(), "another-secret-of-at-least-thirty-two-bytes").token(List.of("*"), List.of("*"), 60);
    assertThat(get("team-1", forged).statusCode()).isEqualTo(401);
    String expired = tokens.token(List.of("*"), List.of("*"), -60);
    assertThat(get("team-1", expired).statusCode()).isEqualTo(401);
    assertThat(get("team-1", "not.a.jwt").statusCode()).isEqualTo(401);
    String otherDoc = tokens.token(List.of("other-*"), List.of("other-*"), 60);
    assertThat(get("team-1", otherDoc).statusCode()).isEqualTo(403);
    assertThat(post("team-1", otherDoc).statusCode()).isEqualTo(403);

    String reader = tokens.token(List.of("team-1"), List.of(), 60);
    HttpResponse<String> read = get("team-1", reader);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(read.body()).getJsonObject("view").getString("k")).isEqualTo("v");
    HttpResponse<String> refused = post("team-1", reader);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("FORBIDDEN");
    // The token may also travel in the URL, as browsers' WebSockets must.
    assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "team-1?token=" + reader)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> get(String docId, String token) throws Exception {
    return http.send(request(docId, token).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String docId, String token) throws Exception {
    return http.send(request(docId + "/changes", token).POST(HttpRequest.BodyPublishers.ofByteArray(Changes.set("k", "v"))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path));
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }
}
