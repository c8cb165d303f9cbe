package dev.docsync.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.Changes;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.RestClient;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.automerge.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The HTTP face as curl sees it: health, REST changes and reads, Prometheus metrics. */
class HttpApiTest {
  @RegisterExtension
  final DocsyncExtension docsync = DocsyncExtension.oneNode(); // counts start from zero: a node per test

  @Test
  void restChangesAreReadBackAndCountedInMetrics(TestService service) {
    RestClient rest = service.rest();
    assertThat(rest.get("/health").statusCode()).isEqualTo(200);

    HttpResponse<String> ack = rest.postChange("rest-1", Changes.set("title", "over http"));
    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ack.body()).getJsonArray("heads")).hasSize(1);
    JsonObject doc = new JsonObject(rest.get("/api/docs/rest-1").body());
    assertThat(doc.getJsonObject("view").getString("title")).isEqualTo("over http");

    HttpResponse<String> bad = rest.postChange("rest-1", "xyz".getBytes());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("error")).isEqualTo("INVALID_CHANGE");
    assertThat(rest.postChange("bad%20id", Changes.set("title", "over http")).statusCode()).isEqualTo(400);

    String metrics = metrics(service);
    assertThat(metrics).contains("docsync_changes_stored_total{unit=\"chunks\"} 1.0");
    assertThat(metrics).contains("docsync_rejected_inputs_total{reason=\"INVALID_CHANGE\"} 1.0");
    assertThat(metrics).contains("docsync_documents_loaded");
    assertThat(metrics).contains("docsync_peers 0.0");

    var peer = service.eventBusPeer("metrics-peer", "rest-1", new Document());
    assertThat(metrics(service)).contains("docsync_peers 1.0");
    peer.bye();
    assertThat(metrics(service)).contains("docsync_peers 0.0");
  }

  private static String metrics(TestService service) {
    return service.rest(service.tokens().admin(60)).get("/metrics").body();
  }
}
