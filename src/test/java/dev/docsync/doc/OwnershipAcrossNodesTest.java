package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.Await;
import dev.docsync.testing.Changes;
import dev.docsync.testing.OneBusCluster;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two docsync nodes on one event bus and one database (a cluster to the document layer): each document has exactly
 * one owner, both nodes serve every document through it, and a node that the other believes dead is fenced out of
 * the documents taken over from it, its late writes answered by the new owner instead.
 */
class OwnershipAcrossNodesTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private OneBusCluster cluster;
  private Pool sql;

  @BeforeEach
  void start() {
    cluster = new OneBusCluster(2, new JsonObject());
    sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(cluster.pgUrl())).using(cluster.vertx()).build();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void everyDocumentHasOneOwnerAndBothNodesServeIt() throws Exception {
    int docs = 20;
    for (int i = 0; i < docs; i++) {
      assertThat(post(0, "doc-" + i, Changes.set("from-a", "a" + i))).isEqualTo(200);
      assertThat(post(1, "doc-" + i, Changes.set("from-b", "b" + i))).isEqualTo(200);
    }
    for (int i = 0; i < docs; i++) {
      for (int node = 0; node < 2; node++) {
        JsonObject view = read(node, "doc-" + i).getJsonObject("view");
        assertThat(view.getString("from-a")).isEqualTo("a" + i);
        assertThat(view.getString("from-b")).isEqualTo("b" + i);
      }
    }
    Map<String, String> owners = leaseOwners();
    assertThat(owners).hasSize(docs);
    assertThat(owners.values()).containsOnly(cluster.nodeId(0), cluster.nodeId(1));
    assertThat(owners.values()).contains(cluster.nodeId(0), cluster.nodeId(1)); // placement spreads them
    // Each document is loaded on its owner only.
    assertThat(cluster.node(0).documents().loadedDocuments() + cluster.node(1).documents().loadedDocuments()).isEqualTo(docs);
  }

  @Test
  void aNodeBelievedDeadIsFencedAndItsClientsAreServedByTheNewOwner() throws Exception {
    String docId = docOwnedBy(cluster.nodeId(1));
    long epochBefore = epoch(docId);

    // node-a stops seeing node-b (a pause or a partition): the next request takes the document over.
    cluster.view(0).setOwners(List.of(cluster.nodeId(0)));
    assertThat(post(0, docId, Changes.set("during", "takeover"))).isEqualTo(200);
    assertThat(leaseOwners().get(docId)).isEqualTo(cluster.nodeId(0));
    assertThat(epoch(docId)).isEqualTo(epochBefore + 1);

    // node-b still thinks it owns the document: its write is fenced, and the request goes on to node-a.
    assertThat(post(1, docId, Changes.set("zombie", "write"))).isEqualTo(200);
    assertThat(epoch(docId)).isEqualTo(epochBefore + 1);
    assertThat(leaseOwners().get(docId)).isEqualTo(cluster.nodeId(0));

    JsonObject view = read(0, docId).getJsonObject("view");
    assertThat(view.getString("before")).isEqualTo("b");
    assertThat(view.getString("during")).isEqualTo("takeover");
    assertThat(view.getString("zombie")).isEqualTo("write");
    assertThat(read(1, docId).getJsonObject("view")).isEqualTo(view);
  }

  /** A document whose lease {@code nodeId} took, written once (key "before"). */
  private String docOwnedBy(String nodeId) throws Exception {
    for (int i = 0; i < 100; i++) {
      String docId = "placed-" + i;
      assertThat(post(1, docId, Changes.set("before", "b"))).isEqualTo(200);
      if (nodeId.equals(leaseOwners().get(docId))) {
        return docId;
      }
    }
    throw new AssertionError("no document placed on " + nodeId);
  }

  private int post(int node, String docId, byte[] change) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.baseUrl(node) + "/api/docs/" + docId + "/changes"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(change)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private JsonObject read(int node, String docId) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(cluster.baseUrl(node) + "/api/docs/" + docId))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private Map<String, String> leaseOwners() {
    Map<String, String> owners = new HashMap<>();
    for (Row row : Await.result(sql.query("SELECT doc_id, owner FROM doc_leases").execute())) {
      owners.put(row.getString(0), row.getString(1));
    }
    return owners;
  }

  private long epoch(String docId) {
    return Await.result(sql.preparedQuery("SELECT epoch FROM doc_leases WHERE doc_id = $1").execute(Tuple.of(docId)))
        .iterator().next().getLong(0);
  }
}
