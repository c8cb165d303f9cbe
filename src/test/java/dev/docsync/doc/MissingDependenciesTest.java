package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.docsync.auth.Tokens;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/**
 * A change refused with MISSING_DEPENDENCIES is refused and forgotten: it never shows up in the
 * heads, the view or storage when its dependency arrives later (the Automerge core would have kept it
 * in a hidden queue and applied it then). Sent again after its dependency, it is taken.
 */
class MissingDependenciesTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aRefusedChangeIsForgottenNotAppliedWhenItsDependencyArrives() throws Exception {
    try (TestService service = TestService.start(Tokens.authOn())) {
      String token = new Tokens(service.vertx(), Tokens.SECRET).token(List.of(), List.of("deps-*"), 60);
      Document client = new Document();
      byte[] base = change(client, "base", 0);
      byte[] first = change(client, "first", 1);
      byte[] second = change(client, "second", 2); // depends on first

      assertThat(post(service, token, base).statusCode()).isEqualTo(200);
      HttpResponse<String> refused = post(service, token, second);
      assertThat(refused.statusCode()).isEqualTo(409);
      assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("MISSING_DEPENDENCIES");

      HttpResponse<String> ack = post(service, token, first);
      assertThat(ack.statusCode()).isEqualTo(200);
      JsonArray firstHeads = new JsonObject(ack.body()).getJsonArray("heads");
      assertThat(firstHeads).containsExactly(hashOf(first));
      assertThat(view(service).fieldNames()).containsExactlyInAnyOrder("base", "first");

      service.restart();
      assertThat(view(service).fieldNames()).containsExactlyInAnyOrder("base", "first");

      // Sent again once its dependency is there, it is taken like any change.
      HttpResponse<String> again = post(service, token, second);
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(view(service).fieldNames()).containsExactlyInAnyOrder("base", "first", "second");
      client.free();
    }
  }

  /** Same rule on the event bus; a change and its dependency in one request are fine in any order. */
  @Test
  void dependenciesMayTravelInTheSameRequest() {
    try (TestService service = TestService.start()) {
      Document client = new Document();
      byte[] base = change(client, "base", 0);
      byte[] first = change(client, "first", 1);
      byte[] second = change(client, "second", 2);
      Await.result(service.frontend(localChange(base)));
      byte[] both = new byte[second.length + first.length];
      System.arraycopy(second, 0, both, 0, second.length);
      System.arraycopy(first, 0, both, second.length, first.length);
      JsonObject ack = Await.result(service.frontend(localChange(both)));
      assertThat(ack.getJsonArray("heads")).hasSize(1);
      JsonObject read = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "deps-1")));
      assertThat(read.getJsonObject("view").fieldNames()).containsExactlyInAnyOrder("base", "first", "second");
      client.free();
    }
  }

  /** A document with no change yet has no history to look dependencies up in: refused, not a failed batch. */
  @Test
  void aChangeWithMissingDependenciesOnAnEmptyDocumentIsRefused() {
    try (TestService service = TestService.start()) {
      Document client = new Document();
      change(client, "base", 0);
      byte[] second = change(client, "second", 1);
      assertThatThrownBy(() -> Await.result(service.frontend(localChange(second))))
          .hasMessageContaining("MISSING_DEPENDENCIES");
      JsonObject read = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "deps-1")));
      assertThat(read.getJsonArray("heads")).isEmpty();
      client.free();
    }
  }

  private static JsonObject localChange(byte[] change) {
    return new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "deps-1")
        .put("change", java.util.Base64.getEncoder().encodeToString(change));
  }

  private static byte[] change(Document doc, String key, int value) {
    ChangeHash[] before = doc.getHeads();
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, key, value);
      tx.commit();
    }
    return doc.encodeChangesSince(before);
  }

  /** The hash of a change, as heads are written (hex). */
  private static String hashOf(byte[] change) {
    StringBuilder s = new StringBuilder();
    for (byte b : dev.docsync.limits.ChunkScan.of(change, Long.MAX_VALUE).changeList().get(0).hash()) {
      s.append(String.format("%02x", b & 0xff));
    }
    return s.toString();
  }

  private JsonObject view(TestService service) {
    return Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "deps-1"))).getJsonObject("view");
  }

  private HttpResponse<String> post(TestService service, String token, byte[] change) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/api/docs/deps-1/changes"))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(change)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
