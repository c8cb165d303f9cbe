package dev.docsync.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.chat.ChatAddresses;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.testing.Await;
import dev.docsync.testing.Changes;
import dev.docsync.testing.ClusteredNodes;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.EventBusPeer;
import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Base64s;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An event-bus client in "another JVM": a member of the cluster that owns no documents (its own clustered Vert.x,
 * real Hazelcast on loopback) uses docsync.frontend, docsync.peer, presence and chat of documents owned by either of
 * two docsync nodes exactly as an in-JVM verticle does, and goes on without an error when a document's owner stops.
 */
class ClusterClientTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static ClusteredNodes cluster;
  private static Vertx client;
  private static Pool sql;
  private static long joinMs;

  @BeforeAll
  static void start() {
    cluster = ClusteredNodes.start(2, new JsonObject());
    long started = System.nanoTime();
    client = cluster.joinClient();
    joinMs = (System.nanoTime() - started) / 1_000_000;
    sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(cluster.pgUrl())).using(client).build();
  }

  @AfterAll
  static void stop() {
    if (sql != null) {
      Await.result(sql.close());
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aClientMemberEditsAndSyncsDocumentsOfEitherNode() throws Exception {
    Map<String, Opened> byOwner = frontendsOnDocumentsOf(List.of(cluster.nodeId(0), cluster.nodeId(1)), "both");
    List<Long> latencies = new ArrayList<>();
    try {
      for (Map.Entry<String, Opened> entry : byOwner.entrySet()) {
        EventBusFrontend frontend = entry.getValue().frontend();
        String docId = entry.getValue().docId();
        for (int i = 0; i < 20; i++) {
          int n = i;
          long sent = System.nanoTime();
          Await.result(frontend.change(tx -> tx.set(ObjectId.ROOT, "n", n)));
          latencies.add((System.nanoTime() - sent) / 1_000);
        }
        // The client's changes are stored once, and read the same through either node.
        for (int node = 0; node < 2; node++) {
          JsonObject view = read(node, docId).getJsonObject("view");
          assertThat(view.getString("client")).isEqualTo("c");
          assertThat(view.getInteger("n")).isEqualTo(19);
        }
        // Changes made through either node's REST face reach the client as change events.
        for (int node = 0; node < 2; node++) {
          assertThat(post(node, docId, Changes.set("rest-" + node, "r" + node))).isEqualTo(200);
        }
        awaitTrue(() -> "r0".equals(text(frontend.doc(), "rest-0")) && "r1".equals(text(frontend.doc(), "rest-1")),
            "the client's replica of " + docId + " has both REST changes");
        assertThat(frontend.heads()).isEqualTo(heads(read(0, docId)));

        // As a sync peer: HELLO, then sync messages at its own outbox address on the client member.
        Document mine = new Document();
        try (Transaction tx = mine.startTransaction()) {
          tx.set(ObjectId.ROOT, "peer", "p");
          tx.commit();
        }
        try (EventBusPeer peer = new EventBusPeer("client-peer-" + docId, docId, mine)) {
          peer.connect(client);
          awaitTrue(() -> "r1".equals(text(peer.doc(), "rest-1")), "the peer received the document");
          awaitTrue(() -> "p".equals(viewOf(0, docId).getString("peer")) && "p".equals(viewOf(1, docId).getString("peer")),
              "both nodes read the peer's change");
          awaitTrue(() -> peer.heads().equals(heads(readQuietly(1, docId))), "the peer and the server converge");
          assertThat(peer.refusals()).isEmpty();
          peer.bye();
        }
        assertThat(leaseOwner(docId)).isEqualTo(entry.getKey()); // nothing moved meanwhile
      }
    } finally {
      byOwner.values().forEach(o -> o.frontend().close());
    }
    Collections.sort(latencies);
    Opened inside = frontendsOnDocumentsOf(List.of(cluster.nodeId(0)), "inside").values().iterator().next();
    inside.frontend().close();
    String insideDoc = inside.docId();
    System.out.printf("client member: joined in %d ms; LOCAL_CHANGE acknowledged p50 %.2f ms, p99 %.2f ms (%d changes, "
            + "owners on both nodes); from a verticle on the owner's node p50 %.2f ms, on the other node p50 %.2f ms%n",
        joinMs, latencies.get(latencies.size() / 2) / 1000.0, latencies.get(latencies.size() * 99 / 100) / 1000.0,
        latencies.size(), p50OfChangesFrom(cluster.node(0).vertx(), insideDoc), p50OfChangesFrom(cluster.node(1).vertx(), insideDoc));
  }

  @Test
  void presenceAndChatWorkFromAClientMemberOnceEach() {
    Opened opened = frontendsOnDocumentsOf(List.of(cluster.nodeId(1)), "talk").values().iterator().next();
    opened.frontend().close();
    String docId = opened.docId();
    List<JsonObject> presence = subscribe(client, PresenceAddresses.events(docId));
    List<JsonObject> chat = subscribe(client, ChatAddresses.events(docId));

    JsonObject joined = request(PresenceAddresses.REQUESTS, new JsonObject().put("type", "UPDATE").put("docId", docId)
        .put("participantId", "ada").put("state", new JsonObject().put("user", new JsonObject().put("name", "Ada"))));
    assertThat(joined.getJsonArray("participants")).hasSize(1);
    request(PresenceAddresses.REQUESTS, new JsonObject().put("type", "UPDATE").put("docId", docId)
        .put("participantId", "ada").put("state", new JsonObject().put("typing", true)));
    // A participant of an in-JVM verticle on node 0 is listed to the client, and the other way round.
    Await.result(cluster.node(0).vertx().eventBus().request(PresenceAddresses.REQUESTS, new JsonObject().put("type", "UPDATE")
        .put("docId", docId).put("participantId", "bob").put("state", new JsonObject())));
    awaitTrue(() -> presence.size() >= 3, "three presence events");
    JsonArray listed = request(PresenceAddresses.REQUESTS, new JsonObject().put("type", "LIST").put("docId", docId))
        .getJsonArray("participants");
    assertThat(listed.stream().map(p -> ((JsonObject) p).getString("participantId"))).containsExactlyInAnyOrder("ada", "bob");

    JsonObject sent = request(ChatAddresses.REQUESTS, new JsonObject().put("type", "SEND").put("docId", docId)
        .put("author", "ada").put("text", "hello from the client member").put("clientId", "ada-1"));
    JsonObject again = request(ChatAddresses.REQUESTS, new JsonObject().put("type", "SEND").put("docId", docId)
        .put("author", "ada").put("text", "hello from the client member").put("clientId", "ada-1"));
    assertThat(again.getLong("id")).isEqualTo(sent.getLong("id")); // a retry is acknowledged, not repeated
    awaitTrue(() -> !chat.isEmpty(), "the chat event");
    JsonArray history = request(ChatAddresses.REQUESTS, new JsonObject().put("type", "HISTORY").put("docId", docId))
        .getJsonArray("messages");
    assertThat(history).hasSize(1);
    assertThat(history.getJsonObject(0).getString("text")).isEqualTo("hello from the client member");

    request(PresenceAddresses.REQUESTS, new JsonObject().put("type", "LEAVE").put("docId", docId).put("participantId", "ada"));
    awaitTrue(() -> presence.size() >= 4, "the leave event");
    sleep(500); // duplicates, if any, would have arrived by now
    assertThat(presence.stream().map(e -> e.getString("event") + ":" + e.getString("participantId")))
        .containsExactly("join:ada", "update:ada", "join:bob", "leave:ada");
    assertThat(chat).hasSize(1);
    assertThat(chat.get(0).getLong("id")).isEqualTo(sent.getLong("id"));
  }

  @Test
  void whenTheOwnerStopsTheClientsNextChangeIsTakenByASurvivorAndNothingIsLost() throws Exception {
    ClusteredNodes.Node third = cluster.addNode();
    cluster.awaitOwners(3);
    Opened opened = frontendsOnDocumentsOf(List.of(third.nodeId()), "moving").values().iterator().next();
    EventBusFrontend frontend = opened.frontend();
    try {
      String docId = opened.docId();
      for (int i = 0; i < 10; i++) {
        String key = "before-" + i;
        Await.result(frontend.change(tx -> tx.set(ObjectId.ROOT, key, "acked")));
      }

      // A writer that goes on while the owner stops. As README ("Running a cluster") advises, it gives each request a
      // short timeout and sends it again: a request that reaches the stopping node in its last moment can go unanswered.
      // The application must see no error, and nothing acknowledged may be lost.
      List<String> acked = new CopyOnWriteArrayList<>();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      List<Long> gaps = new CopyOnWriteArrayList<>();
      AtomicInteger resent = new AtomicInteger();
      AtomicBoolean writing = new AtomicBoolean(true);
      Thread writer = new Thread(() -> {
        for (int i = 0; writing.get() && failures.isEmpty(); i++) {
          String key = "during-" + i;
          JsonObject change = new JsonObject().put("type", "LOCAL_CHANGE").put("docId", docId)
              .put("change", Base64s.encode(Changes.set(key, "acked"))); // a change of its own actor: no dependencies
          long sent = System.nanoTime();
          for (int attempt = 0; ; attempt++) {
            try {
              Await.result(client.eventBus().request(Addresses.FRONTEND, change, new DeliveryOptions().setSendTimeout(3_000)));
              acked.add(key);
              gaps.add((System.nanoTime() - sent) / 1_000_000);
              break;
            } catch (RuntimeException e) {
              if (!(e instanceof ReplyException r && r.failureType() == ReplyFailure.TIMEOUT) || attempt == 3) {
                failures.add(e);
                break;
              }
              resent.incrementAndGet(); // LOCAL_CHANGE is idempotent: the same change again
            }
          }
        }
      }, "client-writer");
      writer.start();
      awaitTrue(() -> acked.size() >= 5, "the writer is going");
      long stopping = System.nanoTime();
      cluster.stop(2); // its service stops and its Vert.x leaves the cluster, as on SIGTERM
      long stoppedMs = (System.nanoTime() - stopping) / 1_000_000;
      int ackedAtStop = acked.size();
      awaitTrue(() -> acked.size() >= ackedAtStop + 20 || !failures.isEmpty(), 40_000, "20 more changes acknowledged");
      writing.set(false);
      writer.join(60_000);
      assertThat(failures).as("what the client saw").isEmpty();
      for (int i = 0; i < 10; i++) {
        String key = "later-" + i;
        Await.result(frontend.change(tx -> tx.set(ObjectId.ROOT, key, "acked")));
      }

      assertThat(leaseOwner(docId)).isIn(cluster.nodeId(0), cluster.nodeId(1));
      for (int node = 0; node < 2; node++) {
        JsonObject view = read(node, docId).getJsonObject("view");
        for (int i = 0; i < 10; i++) {
          assertThat(view.getString("before-" + i)).isEqualTo("acked");
          assertThat(view.getString("later-" + i)).isEqualTo("acked");
        }
        for (String key : acked) {
          assertThat(view.getString(key)).as(key).isEqualTo("acked");
        }
      }
      System.out.printf("owner stopped in %d ms under a client writer: %d changes acknowledged, none refused, %d sent again "
          + "after a 3 s timeout, the slowest acknowledged in %d ms%n", stoppedMs, acked.size(), resent.get(), Collections.max(gaps));
    } finally {
      frontend.close();
      cluster.awaitOwners(2);
    }
  }

  // ---- helpers ----

  /** p50 in ms of 20 LOCAL_CHANGEs from an in-JVM frontend on {@code vertx} to {@code docId}. */
  private static double p50OfChangesFrom(Vertx vertx, String docId) {
    List<Long> micros = new ArrayList<>();
    try (EventBusFrontend frontend = new EventBusFrontend(vertx, docId, "inside")) {
      frontend.open();
      for (int i = 0; i < 20; i++) {
        String key = "from-" + System.identityHashCode(vertx) + "-" + i;
        long sent = System.nanoTime();
        Await.result(frontend.change(tx -> tx.set(ObjectId.ROOT, key, "x")));
        micros.add((System.nanoTime() - sent) / 1_000);
      }
    }
    Collections.sort(micros);
    return micros.get(micros.size() / 2) / 1000.0;
  }

  /**
   * Frontends of the client member on documents whose lease the given nodes took, one per node (keyed by node id),
   * each OPENed and written once by the client (key "client").
   */
  private static Map<String, Opened> frontendsOnDocumentsOf(List<String> owners, String prefix) {
    Map<String, Opened> found = new LinkedHashMap<>();
    for (int i = 0; i < 200 && found.size() < owners.size(); i++) {
      String docId = prefix + "-" + i;
      EventBusFrontend frontend = new EventBusFrontend(client, docId, "client");
      frontend.open();
      Await.result(frontend.change(tx -> tx.set(ObjectId.ROOT, "client", "c")));
      String owner = leaseOwner(docId);
      if (owners.contains(owner) && !found.containsKey(owner)) {
        found.put(owner, new Opened(docId, frontend));
      } else {
        frontend.close();
      }
    }
    assertThat(found.keySet()).as("documents owned by each of %s", owners).containsExactlyInAnyOrderElementsOf(owners);
    return found;
  }

  private record Opened(String docId, EventBusFrontend frontend) {}

  private static String leaseOwner(String docId) {
    RowSet<Row> rows = Await.result(sql.preparedQuery("SELECT owner FROM doc_leases WHERE doc_id = $1").execute(Tuple.of(docId)));
    return rows.size() == 0 ? null : rows.iterator().next().getString(0);
  }

  private static JsonObject request(String address, JsonObject body) {
    return Await.result(client.eventBus().<JsonObject>request(address, body).map(Message::body));
  }

  private static List<JsonObject> subscribe(Vertx vertx, String address) {
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    Await.result(vertx.eventBus().<JsonObject>consumer(address, m -> events.add(m.body())).completion());
    return events;
  }

  static String text(Document doc, String key) {
    return doc == null ? null : doc.get(ObjectId.ROOT, key).map(v -> v instanceof AmValue.Str s ? s.getValue() : null).orElse(null);
  }

  private static List<String> heads(JsonObject read) {
    return read.getJsonArray("heads").stream().map(String::valueOf).sorted().toList();
  }

  private static int post(int node, String docId, byte[] change) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.baseUrl(node) + "/api/docs/" + docId + "/changes"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(change)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private static JsonObject read(int node, String docId) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.baseUrl(node) + "/api/docs/" + docId))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static JsonObject readQuietly(int node, String docId) {
    try {
      return read(node, docId);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject viewOf(int node, String docId) {
    return readQuietly(node, docId).getJsonObject("view");
  }

  static void awaitTrue(BooleanSupplier condition, String what) {
    awaitTrue(condition, 10_000, what);
  }

  static void awaitTrue(BooleanSupplier condition, long timeoutMs, String what) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      sleep(10);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
