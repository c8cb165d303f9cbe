package dev.docsync.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.auth.Tokens;
import dev.docsync.limits.BridgeClient;
import dev.docsync.protocol.Addresses;
import dev.docsync.testing.Await;
import dev.docsync.testing.Changes;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operators' REST face: list, delete, backup and restore, for admin tokens only. */
class AdminApiTest {
  private static TestService service;
  private static Tokens tokens;
  private static String base;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    service = TestService.start(Tokens.authOn());
    tokens = new Tokens(service.vertx(), Tokens.SECRET);
    base = "http://127.0.0.1:" + service.httpPort();
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void onlyAdminTokensListAndDelete() throws Exception {
    String writer = tokens.token("ada", List.of("*"), List.of("*"), 60);
    assertThat(send("GET", "/api/docs", null).statusCode()).isEqualTo(401);
    assertThat(send("GET", "/api/docs", writer).statusCode()).isEqualTo(403);
    assertThat(send("DELETE", "/api/docs/admin-a", null).statusCode()).isEqualTo(401);
    assertThat(send("DELETE", "/api/docs/admin-a", writer).statusCode()).as("a writer deletes nothing").isEqualTo(403);
    assertThat(send("GET", "/api/connections", writer).statusCode()).isEqualTo(403);
    assertThat(send("GET", "/api/connections", null).statusCode()).isEqualTo(401);
  }

  @Test
  void listsStoredDocumentsPageByPage() throws Exception {
    String writer = tokens.token("ada", List.of("*"), List.of("*"), 60);
    String admin = tokens.admin(60);
    for (String id : List.of("list-a", "list-b", "list-c")) {
      assertThat(post("/api/docs/" + id + "/changes", Changes.set("k", id), writer).statusCode()).isEqualTo(200);
    }
    JsonObject page = new JsonObject(send("GET", "/api/docs?after=list-&limit=2", admin).body());
    JsonArray docs = page.getJsonArray("documents");
    assertThat(docs).hasSize(2);
    assertThat(docs.getJsonObject(0).getString("docId")).isEqualTo("list-a");
    assertThat(docs.getJsonObject(0).getLong("storedBytes")).isPositive();
    assertThat(docs.getJsonObject(0).getLong("lastChange")).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
    assertThat(docs.getJsonObject(0).containsKey("loaded")).isTrue();
    JsonObject next = new JsonObject(send("GET", "/api/docs?after=" + page.getString("next") + "&limit=2", admin).body());
    assertThat(next.getJsonArray("documents").getJsonObject(0).getString("docId")).isEqualTo("list-c");
  }

  @Test
  void deleteRemovesEveryRowAndTellsWhoHasItOpen() throws Exception {
    String writer = tokens.token("ada", List.of("*"), List.of("*"), 60);
    String docId = "delete-me";
    assertThat(post("/api/docs/" + docId + "/changes", Changes.set("title", "doomed"), writer).statusCode()).isEqualTo(200);
    Await.result(service.vertx().eventBus().request("docsync.chat", new JsonObject().put("type", "SEND").put("docId", docId)
        .put("author", "ada").put("text", "bye")));
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    service.vertx().eventBus().<JsonObject>consumer(Addresses.changes(docId), m -> events.add(m.body()));
    Await.result(service.frontend(new JsonObject().put("type", "OPEN").put("docId", docId)));
    assertThat(rows(docId)).isPositive();

    HttpResponse<String> deleted = send("DELETE", "/api/docs/" + docId, tokens.admin(60));
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(rows(docId)).as("chunks, sync states and chat rows of the document").isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> "deleted".equals(e.getString("event"))));
    JsonObject after = new JsonObject(send("GET", "/api/docs/" + docId, writer).body());
    assertThat(after.getJsonArray("heads")).isEmpty();
    assertThat(after.getJsonObject("view")).isEqualTo(new JsonObject());
  }

  @Test
  void exportThenImportIntoANewIdGivesEqualContent() throws Exception {
    String writer = tokens.token("ada", List.of("*"), List.of("*"), 60);
    assertThat(post("/api/docs/backup-src/changes", Changes.set("title", "kept"), writer).statusCode()).isEqualTo(200);
    assertThat(post("/api/docs/backup-src/changes", Changes.set("body", "safe"), writer).statusCode()).isEqualTo(200);
    String exported = new JsonObject(send("GET", "/api/docs/backup-src", writer).body()).getString("snapshot");
    byte[] bytes = java.util.Base64.getDecoder().decode(exported);
    assertThat(post("/api/docs/backup-copy/changes", bytes, writer).statusCode()).isEqualTo(200);
    String imported = new JsonObject(send("GET", "/api/docs/backup-copy", writer).body()).getString("snapshot");
    JsonObject compared = compareWithJs(exported, imported);
    assertThat(compared.getBoolean("equal")).as(compared.encode()).isTrue();
    assertThat(compared.getJsonObject("a")).isEqualTo(new JsonObject().put("body", "safe").put("title", "kept"));
  }

  @Test
  void listsTheNodesConnectionsWithTheirSubjectsAndDocuments() throws Exception {
    String ada = tokens.token("ada", List.of("*"), List.of("*"), 60);
    try (BridgeClient bridge = BridgeClient.sockJs(service.vertx(), service.httpPort(), "127.0.0.1")) {
      String reply = UUID.randomUUID().toString();
      bridge.send(new JsonObject().put("type", "send").put("address", Addresses.FRONTEND).put("replyAddress", reply)
          .put("headers", new JsonObject().put("authorization", "Bearer " + ada))
          .put("body", new JsonObject().put("type", "OPEN").put("docId", "conn-doc")));
      assertThat(bridge.reply(reply).getValue("failureCode")).as("OPEN answered").isNull();
      JsonArray connections = new JsonObject(send("GET", "/api/connections", tokens.admin(60)).body()).getJsonArray("connections");
      assertThat(connections.stream().map(JsonObject.class::cast))
          .anyMatch(c -> c.getString("transport").equals("sockjs") && c.getString("subject").equals("ada")
              && c.getJsonArray("documents").contains("conn-doc") && c.getLong("since") > 0);
    }
  }

  @Test
  void aWebSocketPeerIsListedAndToldWhenItsDocumentIsDeleted() throws Exception {
    String ada = tokens.token("ada", List.of("*"), List.of("*"), 60);
    Document local = new Document();
    try (Transaction tx = local.startTransaction()) {
      tx.set(ObjectId.ROOT, "title", "shared");
      tx.commit();
    }
    SyncState state = new SyncState();
    try (WsClient peer = Await.result(WsClient.connectAsync(service.vertx(), service.httpPort(), "127.0.0.1", ada))) {
      peer.join("ada-laptop");
      peer.sendDoc("sync", "ws-doomed", local.generateSyncMessage(state).orElseThrow());
      for (int round = 0; round < 10 && rows("ws-doomed") == 0; round++) { // the sync protocol: a few round trips
        local.receiveSyncMessage(state, (byte[]) peer.nextOfType("sync").get("data"));
        local.generateSyncMessage(state).ifPresent(m -> peer.sendDoc("sync", "ws-doomed", m));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> rows("ws-doomed") > 0);
      JsonArray connections = new JsonObject(send("GET", "/api/connections", tokens.admin(60)).body()).getJsonArray("connections");
      assertThat(connections.stream().map(JsonObject.class::cast))
          .anyMatch(c -> c.getString("transport").equals("websocket") && c.getString("subject").equals("ada")
              && c.getJsonArray("documents").contains("ws-doomed"));

      assertThat(send("DELETE", "/api/docs/ws-doomed", tokens.admin(60)).statusCode()).isEqualTo(200);
      Map<String, Object> told = peer.next(m -> "doc-unavailable".equals(m.get("type")) && "ws-doomed".equals(m.get("documentId")));
      assertThat(told).isNotNull();
      assertThat(rows("ws-doomed")).isZero();
    } finally {
      state.free();
      local.free();
    }
  }

  private static JsonObject compareWithJs(String a, String b) throws Exception {
    Path js = Path.of("src/test/js");
    Process node = new ProcessBuilder("node", "compare-docs.mjs", a, b).directory(js.toFile()).redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
      String line = out.readLine();
      node.waitFor();
      return new JsonObject(line);
    }
  }

  private static long rows(String docId) {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(service.pgUrl())).using(service.vertx()).build();
    try {
      return Await.result(pool.preparedQuery("SELECT (SELECT count(*) FROM doc_chunks WHERE doc_id = $1)"
          + " + (SELECT count(*) FROM sync_states WHERE doc_id = $1) + (SELECT count(*) FROM chat_messages WHERE doc_id = $1)")
          .execute(Tuple.of(docId))).iterator().next().getLong(0);
    } finally {
      pool.close();
    }
  }

  private HttpResponse<String> send(String method, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, byte[] body, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

}
