package dev.docsync.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.Changes;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.RestClient;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Without a valid token that grants the document, nothing is read or written over HTTP. */
class RestAuthTest {
  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode();

  @Test
  void onlyAValidTokenForTheDocumentReadsOrWrites(TestService service) {
    Tokens tokens = service.tokens();
    String writer = tokens.token(List.of(), List.of("team-*"), 60);
    assertThat(post(service, "team-1", writer).statusCode()).isEqualTo(200);

    assertThat(get(service, "team-1", null).statusCode()).isEqualTo(401);
    assertThat(post(service, "team-1", null).statusCode()).isEqualTo(401);
    String forged = new Tokens(service.clients(), "another-secret-of-at-least-thirty-two-bytes").token(List.of("*"), List.of("*"), 60);
    assertThat(get(service, "team-1", forged).statusCode()).isEqualTo(401);
    String expired = tokens.token(List.of("*"), List.of("*"), -60);
    assertThat(get(service, "team-1", expired).statusCode()).isEqualTo(401);
    assertThat(get(service, "team-1", "not.a.jwt").statusCode()).isEqualTo(401);
    String otherDoc = tokens.token(List.of("other-*"), List.of("other-*"), 60);
    assertThat(get(service, "team-1", otherDoc).statusCode()).isEqualTo(403);
    assertThat(post(service, "team-1", otherDoc).statusCode()).isEqualTo(403);

    String reader = tokens.token(List.of("team-1"), List.of(), 60);
    HttpResponse<String> read = get(service, "team-1", reader);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(read.body()).getJsonObject("view").getString("k")).isEqualTo("v");
    HttpResponse<String> refused = post(service, "team-1", reader);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("FORBIDDEN");
    // The token may also travel in the URL, as browsers' WebSockets must.
    assertThat(service.rest(null).get("/api/docs/team-1?token=" + reader).statusCode()).isEqualTo(200);
  }

  private static HttpResponse<String> get(TestService service, String docId, String token) {
    return service.rest(token).get("/api/docs/" + docId);
  }

  private static HttpResponse<String> post(TestService service, String docId, String token) {
    RestClient rest = service.rest(token);
    return rest.postChange(docId, Changes.set("k", "v"));
  }
}
