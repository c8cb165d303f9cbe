package dev.docsync.testing;

import dev.docsync.DocsyncVerticle;
import dev.docsync.auth.Tokens;
import dev.docsync.protocol.Addresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.automerge.Document;

/**
 * One docsync node running in the test JVM (its own Vert.x instance, the whole {@link DocsyncVerticle}),
 * and the clients a test talks to it with: tokens, WebSocket sync peers, event-bus frontends and peers,
 * REST. Clients run on a separate Vert.x ({@link #clients()}), so that they outlive {@link #restart()}
 * and, with {@link DocsyncExtension}, are shared by the nodes of one test. Clients made here are closed
 * with the service; with the extension, those a test made are closed after it (those made in
 * {@code @BeforeAll} live for the class).
 */
public final class TestService implements AutoCloseable {
  private final String pgUrl;
  private final JsonObject overrides;
  /** Null until first asked for when this service owns its clients' Vert.x. */
  private Vertx clients;
  private final boolean ownsClients;
  private final List<AutoCloseable> opened = new ArrayList<>();
  /** Clients past this index in {@link #opened} were made by the running test (see {@link #closeTestClients()}). */
  private int testMark;
  private Tokens tokens;
  /** Makes the node's Vert.x: a plain one, or (for a cluster) one built with a cluster manager. */
  private final Supplier<Future<Vertx>> vertxFactory;
  private Vertx vertx;
  private DocsyncVerticle verticle;

  private TestService(String pgUrl, JsonObject overrides, Vertx clients, Supplier<Future<Vertx>> vertxFactory) {
    this.pgUrl = pgUrl;
    this.overrides = overrides;
    this.clients = clients;
    this.ownsClients = clients == null;
    this.vertxFactory = vertxFactory;
    boot();
  }

  static Future<Vertx> plainVertx() {
    return Future.succeededFuture(Vertx.vertx());
  }

  public static TestService start() {
    return start(new JsonObject());
  }

  /** Settings in {@code overrides} (DOCSYNC_* keys) replace the defaults. */
  public static TestService start(JsonObject overrides) {
    return startOn(TestDatabases.freshDatabaseUrl(), overrides);
  }

  /** On a database of the caller's choice. */
  public static TestService startOn(String pgUrl, JsonObject overrides) {
    return new TestService(pgUrl, overrides, null, TestService::plainVertx);
  }

  /** A node on a Vert.x from {@code vertxFactory} whose clients run on {@code clients} (the caller closes it). */
  static TestService startOn(String pgUrl, JsonObject overrides, Vertx clients, Supplier<Future<Vertx>> vertxFactory) {
    return new TestService(pgUrl, overrides, clients, vertxFactory);
  }

  private void boot() {
    vertx = Await.result(vertxFactory.get());
    verticle = new DocsyncVerticle();
    Await.result(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(testConfig(pgUrl, overrides))));
  }

  /** A test node's settings: the database, a free port on loopback, auth off, quick sync-state flushes; then overrides. */
  static JsonObject testConfig(String pgUrl, JsonObject overrides) {
    return new JsonObject()
        .put("DOCSYNC_PG_URL", pgUrl)
        .put("DOCSYNC_HTTP_HOST", "127.0.0.1")
        .put("DOCSYNC_HTTP_PORT", 0)
        .put("DOCSYNC_SYNC_STATE_FLUSH_MS", 200)
        .put("DOCSYNC_AUTH_ENABLED", false)
        .mergeIn(overrides);
  }

  /** Stops the whole Vert.x instance of the node and starts a new one on the same database (clients stay). */
  public void restart() {
    Await.result(vertx.close());
    tokens = null;
    boot();
  }

  // ---- the node ----

  public Vertx vertx() {
    return vertx;
  }

  public String pgUrl() {
    return pgUrl;
  }

  public DocsyncVerticle verticle() {
    return verticle;
  }

  public int httpPort() {
    return verticle.httpPort();
  }

  /** The settings this node was started with on top of the defaults. */
  public JsonObject overrides() {
    return overrides.copy();
  }

  public boolean authEnabled() {
    return overrides.getBoolean("DOCSYNC_AUTH_ENABLED", false);
  }

  // ---- event-bus requests (in this JVM the event bus is trusted: no token) ----

  public Future<JsonObject> frontend(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.FRONTEND, request).map(Message::body);
  }

  public Future<JsonObject> peer(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.PEER, request).map(Message::body);
  }

  /** READ of a document: {@code docId}, {@code heads}, {@code view}. */
  public JsonObject read(String docId) {
    return Await.result(frontend(new JsonObject().put("type", "READ").put("docId", docId)));
  }

  /** The node's heads of a document, hex, sorted (what {@link WsSyncPeer#heads} and {@link EventBusPeer#heads} give). */
  public List<String> heads(String docId) {
    JsonArray heads = read(docId).getJsonArray("heads");
    return heads.stream().map(Object::toString).sorted().toList();
  }

  // ---- clients ----

  /** The Vert.x instance clients run on. */
  public synchronized Vertx clients() {
    if (clients == null) {
      clients = Vertx.vertx();
    }
    return clients;
  }

  /** Signs tokens with the node's secret (DOCSYNC_JWT_SECRET, else {@link Tokens#SECRET}). */
  public synchronized Tokens tokens() {
    if (tokens == null) {
      tokens = new Tokens(clients(), overrides.getString("DOCSYNC_JWT_SECRET", Tokens.SECRET));
    }
    return tokens;
  }

  /** A token granting {@code read} and {@code write} (document patterns) for five minutes. */
  public String token(List<String> read, List<String> write) {
    return tokens().token(read, write, 300);
  }

  /** A token that reads and writes every document, or null when authentication is off. */
  public String anyDocToken() {
    return authEnabled() ? token(List.of("*"), List.of("*")) : null;
  }

  /** A WebSocket on /sync, not joined yet, allowed everything. */
  public WsClient ws() {
    return ws(anyDocToken());
  }

  /** A WebSocket on /sync with {@code token} (null: none), not joined yet. */
  public WsClient ws(String token) {
    return track(WsClient.connectWithToken(clients(), httpPort(), token));
  }

  /** A Java automerge-repo peer on /sync, joined as {@code peerId}, allowed everything. */
  public WsSyncPeer syncPeer(String peerId) {
    return track(new WsSyncPeer(ws(), peerId));
  }

  /** A frontend of {@code docId} on this node's event bus, opened. */
  /**
   * Sets keys {@code key-<from>} … {@code key-<from+count-1>} to their numbers, one acknowledged change each, from a
   * frontend that then closes the document (it stays loaded only while something else holds it).
   */
  public void writeKeys(String docId, int from, int count) {
    try (EventBusFrontend writer = new EventBusFrontend(vertx, docId, "writer")) {
      writer.open();
      java.util.List<Future<JsonObject>> acks = new java.util.ArrayList<>();
      for (int i = from; i < from + count; i++) {
        int n = i;
        acks.add(writer.change(tx -> tx.set(org.automerge.ObjectId.ROOT, "key-" + n, n)));
      }
      acks.forEach(Await::result);
      Await.result(frontend(new JsonObject().put("type", "CLOSE").put("docId", docId)));
    }
  }

  public EventBusFrontend frontend(String docId, String origin) {
    EventBusFrontend frontend = track(new EventBusFrontend(vertx, docId, origin));
    frontend.open();
    return frontend;
  }

  /** A sync peer on this node's event bus holding {@code doc} (freed with the peer), connected. */
  public EventBusPeer eventBusPeer(String peerId, String docId, Document doc) {
    EventBusPeer peer = track(new EventBusPeer(peerId, docId, doc));
    peer.connect(vertx);
    return peer;
  }

  /** REST calls to this node with {@code token} (null: none) as the bearer. */
  public RestClient rest(String token) {
    return new RestClient("http://127.0.0.1:" + httpPort(), token);
  }

  /** REST calls allowed everything. */
  public RestClient rest() {
    return rest(anyDocToken());
  }

  private synchronized <T extends AutoCloseable> T track(T client) {
    opened.add(client);
    return client;
  }

  /** Clients made from now on belong to the test that starts. */
  synchronized void markTestStart() {
    testMark = opened.size();
  }

  /** Closes the clients the test made. */
  synchronized void closeTestClients() {
    closeClientsFrom(testMark);
  }

  /** Closes the clients made by this service (last made, first closed). */
  public synchronized void closeClients() {
    closeClientsFrom(0);
  }

  private void closeClientsFrom(int from) {
    for (int i = opened.size() - 1; i >= from; i--) {
      try {
        opened.remove(i).close();
      } catch (Exception e) {
        System.err.println("closing a test client failed: " + e);
      }
    }
    testMark = Math.min(testMark, opened.size());
  }

  /** Stops the node only; its clients' Vert.x stays (restart() or the extension use it again). */
  public void stop() {
    Await.result(vertx.close());
  }

  @Override
  public void close() {
    closeClients();
    Await.result(vertx.close());
    if (ownsClients && clients != null) {
      Await.result(clients.close());
    }
  }
}
