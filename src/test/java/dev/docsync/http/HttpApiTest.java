package dev.docsync.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.EventBusPeer;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/** The HTTP face as curl sees it: health, REST changes and reads, Prometheus metrics. */
class HttpApiTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void restChangesAreReadBackAndCountedInMetrics() throws Exception {
    try (TestService service = TestService.start()) {
      String base = "http://127.0.0.1:" + service.httpPort();
      assertThat(get(base + "/health").statusCode()).isEqualTo(200);

      HttpResponse<String> ack = post(base + "/api/docs/rest-1/changes", change());
      assertThat(ack.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(ack.body()).getJsonArray("heads")).hasSize(1);
      JsonObject doc = new JsonObject(get(base + "/api/docs/rest-1").body());
      assertThat(doc.getJsonObject("view").getString("title")).isEqualTo("over http");

      HttpResponse<String> bad = post(base + "/api/docs/rest-1/changes", "xyz".getBytes());
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(new JsonObject(bad.body()).getString("error")).isEqualTo("INVALID_CHANGE");
      assertThat(post(base + "/api/docs/bad%20id/changes", change()).statusCode()).isEqualTo(400);

      String metrics = get(base + "/metrics").body();
      assertThat(metrics).contains("docsync_changes_stored_total{unit=\"chunks\"} 1.0");
      assertThat(metrics).contains("docsync_rejected_inputs_total{reason=\"INVALID_CHANGE\"} 1.0");
      assertThat(metrics).contains("docsync_documents_loaded");
      assertThat(metrics).contains("docsync_peers 0.0");

      try (EventBusPeer peer = new EventBusPeer("metrics-peer", "rest-1", new Document())) {
        peer.connect(service.vertx());
        assertThat(get(base + "/metrics").body()).contains("docsync_peers 1.0");
        peer.bye();
        assertThat(get(base + "/metrics").body()).contains("docsync_peers 0.0");
      }
    }
  }

  private static byte[] change() {
    Document doc = new Document();
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, "title", "over http");
      tx.commit();
    }
    byte[] bytes = doc.encodeChangesSince(new ChangeHash[0]);
    doc.free();
    return bytes;
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
