package dev.docsync.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.Await;
import dev.docsync.testing.Bystander;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.automerge.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every kind of bad input on /sync gets an error message; where the stream cannot be trusted the
 * socket is closed too. The node and a bystander client syncing meanwhile carry on.
 */
class WsBadFrameTest {
  private static final int LIMIT = 64 * 1024;
  private static final long PING_MS = 300;
  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode().authOff() // raw sockets, no tokens
      .with("DOCSYNC_WS_MAX_MESSAGE_BYTES", LIMIT)
      .with("DOCSYNC_WS_PING_MS", PING_MS);
  private static TestService service;
  private static Vertx clients;
  private static Bystander bystander;

  @BeforeAll
  static void start() {
    service = docsync.service();
    clients = service.clients();
    bystander = Bystander.join(service, "bystander");
  }

  /** After every test: the bystander's socket is open and its edits still reach the store. */
  @AfterEach
  void bystanderCarriesOn() {
    bystander.carriesOn();
  }

  static WsClient connect() {
    return service.ws();
  }

  static WsClient joined(String peerId) {
    WsClient client = connect();
    client.join(peerId);
    return client;
  }

  @Test
  void textFramesGetAnErrorAndTheSocketStaysUsable() {
    long before = rejected("TEXT_FRAME");
    try (WsClient client = connect()) {
      client.sendText("{\"type\":\"join\",\"senderId\":\"texter\"}");
      assertError(client, "TEXT_FRAME");
      // A fragmented text message is one refusal; its continuation frames are skipped.
      client.sendFrame(WebSocketFrame.textFrame("{\"type\":", false));
      client.sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer("\"join\"}"), true));
      assertError(client, "TEXT_FRAME");
      client.join("texter");
      assertUsable(client);
    }
    assertThat(rejected("TEXT_FRAME")).isEqualTo(before + 2);
  }

  @Test
  void bytesThatAreNotOneCborItemGetAnErrorAndClose1003() {
    byte[] valid = WsClient.encode(WsProtocolTest.request("x", "doc-1"));
    List<byte[]> broken = List.of(
        new byte[] {(byte) 0xff, (byte) 0xfe, 0x00},               // a stray "break" byte
        Arrays.copyOf(valid, valid.length - 5),                      // truncated
        concat(valid, new byte[] {0x01}),                            // trailing bytes
        new byte[] {(byte) 0x1c},                                    // reserved additional info
        "plain text, sent binary".getBytes(StandardCharsets.UTF_8)); // not CBOR at all
    long before = rejected("NOT_CBOR");
    for (byte[] bytes : broken) {
      try (WsClient client = joined("garbler")) {
        client.sendRaw(bytes);
        assertError(client, "NOT_CBOR");
        assertThat(client.awaitClose()).isEqualTo((short) 1003);
      }
    }
    assertThat(rejected("NOT_CBOR")).isEqualTo(before + broken.size());
  }

  @Test
  void cborThatIsNotAMapGetsAnError() {
    try (WsClient client = joined("arrays")) {
      for (Object notAMap : List.of(List.of(1, 2, 3), "join", 42, new byte[] {1, 2})) {
        client.sendRaw(WsClient.encode(notAMap));
        assertError(client, "NOT_A_MAP");
      }
      assertUsable(client);
    }
  }

  @Test
  void anUnknownTypeGetsAnError() {
    try (WsClient client = joined("shouter")) {
      client.send(Map.of("type", "shout", "senderId", "shouter", "documentId", "d"));
      assertError(client, "UNKNOWN_TYPE");
      assertUsable(client);
    }
  }

  @Test
  void missingOrWrongTypedFieldsGetAnError() {
    String doc = "ws-fields-" + UUID.randomUUID();
    byte[] sync = WsSyncPeer.emptyDocSyncMessage();
    List<Map<String, Object>> bad = List.of(
        map("senderId", "fields", "documentId", doc, "data", sync),                        // no type
        map("type", 7, "senderId", "fields", "documentId", doc, "data", sync),             // type not text
        map("type", "sync", "documentId", doc, "data", sync),                             // no senderId
        map("type", "sync", "senderId", "fields", "data", sync),                          // no documentId
        map("type", "sync", "senderId", "fields", "documentId", 12, "data", sync),        // documentId not text
        map("type", "sync", "senderId", "fields", "documentId", "../etc", "data", sync),  // not a document id
        map("type", "sync", "senderId", "fields", "documentId", doc),                     // no data
        map("type", "sync", "senderId", "fields", "documentId", doc, "data", "QkI="),     // data as text
        map("type", "request", "senderId", "fields", "documentId", doc, "data", new byte[0]), // empty data
        map("type", "ephemeral", "senderId", "fields", "documentId", doc, "data", sync, "sessionId", "s"), // no count
        map("type", "ephemeral", "senderId", "fields", "documentId", doc, "data", sync, "count", 1.5, "sessionId", "s"),
        map("type", "join", "senderId", "fields", "supportedProtocolVersions", "1"),      // not an array
        map("type", "join", "senderId", "fields", "peerMetadata", map("isEphemeral", "no")),
        map("type", "remote-heads-changed", "senderId", "fields", "documentId", doc));   // no newHeads
    long before = rejected("BAD_FIELD");
    try (WsClient client = joined("fields")) {
      for (Map<String, Object> message : bad) {
        client.send(message);
        assertError(client, "BAD_FIELD");
      }
      assertUsable(client);
    }
    assertThat(rejected("BAD_FIELD")).isEqualTo(before + bad.size());
  }

  @Test
  void dataThatIsNotASyncMessageGetsTheCoresError() {
    String doc = "ws-garbage-" + UUID.randomUUID();
    try (WsClient client = joined("garbage")) {
      client.sendDoc("sync", doc, "definitely not automerge".getBytes(StandardCharsets.UTF_8));
      Map<String, Object> error = client.nextOfType("error");
      assertThat((String) error.get("message")).startsWith("INVALID_SYNC_MESSAGE").contains(doc);
      assertUsable(client);
      // The same document still syncs on the same socket.
      try (WsSyncPeer other = new WsSyncPeer(joined("garbage-2"))) {
        other.open(doc, tx -> tx.set(ObjectId.ROOT, "ok", true));
        await().atMost(Duration.ofSeconds(10)).until(() ->
            service.heads(doc).equals(other.heads(doc)));
      }
    }
    assertThat(rejected("INVALID_SYNC_MESSAGE")).isPositive();
  }

  @Test
  void messagesOverTheLimitGetAnErrorAndClose1009() {
    long before = rejected("TOO_LARGE");
    try (WsClient client = joined("big")) {
      client.sendDoc("sync", "ws-big", new byte[LIMIT + 1]);
      assertError(client, "TOO_LARGE");
      assertThat(client.awaitClose()).isEqualTo((short) 1009);
    }
    // Small frames that only add up to too much are refused as soon as the sum passes the limit.
    try (WsClient client = joined("big-fragments")) {
      client.sendFrame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[LIMIT / 2]), false));
      client.sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[LIMIT / 2]), false));
      client.sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[16]), false));
      assertError(client, "TOO_LARGE");
      assertThat(client.awaitClose()).isEqualTo((short) 1009);
    }
    assertThat(rejected("TOO_LARGE")).isEqualTo(before + 2);
  }

  @Test
  void aMessageJustUnderTheLimitIsAccepted() {
    try (WsClient client = joined("almost")) {
      Map<String, Object> message = WsProtocolTest.request("almost", "ws-almost");
      int overhead = WsClient.encode(message).length - ((byte[]) message.get("data")).length;
      message.put("data", new byte[LIMIT - overhead - 8]); // not a sync message, but it must get to the core
      client.send(message);
      assertThat((String) client.nextOfType("error").get("message")).startsWith("INVALID_SYNC_MESSAGE");
      assertUsable(client);
    }
  }

  @Test
  void aSocketThatStopsAnsweringPingsIsClosed() throws Exception {
    NetSocket raw = Await.result(clients.createNetClient().connect(service.httpPort(), "127.0.0.1"));
    Buffer received = Buffer.buffer();
    CompletableFuture<Long> closedAt = new CompletableFuture<>();
    raw.handler(received::appendBuffer);
    raw.closeHandler(v -> closedAt.complete(System.nanoTime()));
    long start = System.nanoTime();
    // A WebSocket client that completes the handshake, then never answers anything.
    raw.write("GET /sync HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    long closed = closedAt.get(15, TimeUnit.SECONDS);
    double seconds = (closed - start) / 1e9;
    String text = received.toString(StandardCharsets.ISO_8859_1);
    assertThat(text).startsWith("HTTP/1.1 101");
    assertThat(text).contains("\u0089"); // it was pinged (FIN + opcode 9)
    // One interval to be pinged, one more to be found silent, then at most the 2 s closing timeout.
    assertThat(seconds).isBetween(PING_MS / 1000.0, 2 * PING_MS / 1000.0 + 2.5);
  }

  @Test
  void clientsThatAnswerPingsStayConnectedWhileIdle() throws Exception {
    try (WsClient client = joined("idle")) {
      Thread.sleep(5 * PING_MS);
      assertThat(client.isClosed()).isFalse();
      assertUsable(client);
    }
  }

  @Test
  void aPlainHttpGetIsToldToUpgrade() {
    var response = Await.result(clients.createHttpClient()
        .request(io.vertx.core.http.HttpMethod.GET, service.httpPort(), "127.0.0.1", SyncEndpoint.PATH)
        .compose(r -> r.send()));
    assertThat(response.statusCode()).isEqualTo(426);
  }

  // ---- helpers ----

  private static void assertError(WsClient client, String kind) {
    Map<String, Object> error = client.nextOfType("error");
    assertThat((String) error.get("message")).startsWith(kind);
  }

  /** The socket still answers a request (with doc-unavailable, for a document nobody has). */
  private static void assertUsable(WsClient client) {
    String doc = "ws-probe-" + UUID.randomUUID();
    client.sendDoc("request", doc, WsSyncPeer.emptyDocSyncMessage());
    assertThat(client.next(m -> "doc-unavailable".equals(m.get("type")) && doc.equals(m.get("documentId")))).isNotNull();
    assertThat(client.isClosed()).isFalse();
  }

  private static long rejected(String reason) {
    JsonObject stats = Await.result(service.vertx().eventBus().<JsonObject>request(SyncEndpoint.STATS_ADDRESS, null)).body();
    return stats.getJsonObject("rejected").getLong(reason, 0L);
  }

  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
