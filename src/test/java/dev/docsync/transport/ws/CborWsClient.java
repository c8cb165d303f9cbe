package dev.docsync.transport.ws;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.docsync.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A test client of {@code /sync} that speaks CBOR with plain Jackson maps, independently of the
 * server's {@link WsCodec}: byte[] values are written as CBOR byte strings and read back as byte[].
 */
final class CborWsClient implements AutoCloseable {
  static final CBORMapper CBOR = new CBORMapper();
  static final Duration WAIT = Duration.ofSeconds(10);

  /** Held: Vert.x 5 closes an unreachable WebSocketClient, and its sockets with it, when it is garbage collected. */
  private final WebSocketClient wsClient;
  private final WebSocket socket;
  private final BlockingQueue<Map<String, Object>> inbox = new LinkedBlockingQueue<>();
  private final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();
  private volatile Consumer<Map<String, Object>> listener = m -> {};
  private String peerId;
  private String serverPeerId;

  private CborWsClient(WebSocketClient wsClient, WebSocket socket) {
    this.wsClient = wsClient;
    this.socket = socket;
    socket.binaryMessageHandler(this::onMessage);
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
  }

  static CborWsClient connect(Vertx vertx, int port) {
    return connect(vertx, port, null);
  }

  /** With a token in the URL, as a browser client would send it. */
  static CborWsClient connect(Vertx vertx, int port, String token) {
    WebSocketClientOptions options = new WebSocketClientOptions()
        .setTryUsePerMessageCompression(true)
        .setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 24);
    WebSocketConnectOptions target = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(token == null ? "/sync" : "/sync?token=" + token);
    WebSocketClient wsClient = vertx.createWebSocketClient(options);
    return new CborWsClient(wsClient, Await.result(wsClient.connect(target)));
  }

  private void onMessage(Buffer buffer) {
    Map<String, Object> message = decode(buffer.getBytes());
    received.add(message);
    inbox.add(message);
    listener.accept(message);
  }

  static Map<String, Object> decode(byte[] bytes) {
    try {
      return CBOR.readValue(bytes, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException("server sent undecodable CBOR", e);
    }
  }

  static byte[] encode(Object value) {
    try {
      return CBOR.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- sending ----

  /** Sends a map as one binary CBOR message; null values are left out. */
  void send(Map<String, Object> message) {
    Map<String, Object> clean = new LinkedHashMap<>(message);
    clean.values().removeIf(v -> v == null);
    sendRaw(encode(clean));
  }

  // Writes never wait: the listener sends from the client's event loop, which must not block. Order is kept.
  void sendRaw(byte[] bytes) {
    socket.writeBinaryMessage(Buffer.buffer(bytes));
  }

  void sendText(String text) {
    socket.writeTextMessage(text);
  }

  void sendFrame(WebSocketFrame frame) {
    socket.writeFrame(frame);
  }

  /** join with protocol "1" and the given metadata; returns the server's answer. */
  Map<String, Object> join(String peerId, Map<String, Object> peerMetadata) {
    this.peerId = peerId;
    Map<String, Object> join = new LinkedHashMap<>();
    join.put("type", "join");
    join.put("senderId", peerId);
    join.put("peerMetadata", peerMetadata);
    join.put("supportedProtocolVersions", List.of("1"));
    send(join);
    Map<String, Object> peer = next();
    serverPeerId = (String) peer.get("senderId");
    return peer;
  }

  /** An ephemeral client without storage, as a browser tab without IndexedDB would join. */
  Map<String, Object> join(String peerId) {
    return join(peerId, Map.of("isEphemeral", true));
  }

  /** A request/sync/ephemeral/... message from this peer about a document. */
  void sendDoc(String type, String docId, byte[] data) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("type", type);
    message.put("senderId", peerId);
    message.put("targetId", serverPeerId);
    message.put("documentId", docId);
    message.put("data", data);
    send(message);
  }

  // ---- receiving ----

  void onEveryMessage(Consumer<Map<String, Object>> listener) {
    this.listener = listener;
  }

  Map<String, Object> next() {
    try {
      Map<String, Object> message = inbox.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (message == null) {
        throw new AssertionError("no message from the server within " + WAIT);
      }
      return message;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /** The next message matching, skipping (and dropping from the queue) the others. */
  Map<String, Object> next(Predicate<Map<String, Object>> wanted) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Object> message = pollQuietly(Duration.ofNanos(deadline - System.nanoTime()));
      if (message != null && wanted.test(message)) {
        return message;
      }
    }
    throw new AssertionError("no matching message within " + WAIT + "; received " + summary());
  }

  Map<String, Object> nextOfType(String type) {
    return next(m -> type.equals(m.get("type")));
  }

  /** True when nothing at all arrives for {@code quiet}. */
  boolean silentFor(Duration quiet) {
    return pollQuietly(quiet) == null;
  }

  private Map<String, Object> pollQuietly(Duration timeout) {
    try {
      return inbox.poll(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  List<Map<String, Object>> received() {
    return received;
  }

  private List<String> summary() {
    List<String> types = new ArrayList<>();
    received.forEach(m -> types.add(m.get("type") + (m.containsKey("message") ? "(" + m.get("message") + ")" : "")));
    return types;
  }

  /** The close status the server sent, waiting for it. */
  Short awaitClose() {
    try {
      return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("socket not closed within " + WAIT, e);
    }
  }

  boolean isClosed() {
    return closed.isDone();
  }

  WebSocket socket() {
    return socket;
  }

  String peerId() {
    return peerId;
  }

  String serverPeerId() {
    return serverPeerId;
  }

  @Override
  public void close() {
    if (!socket.isClosed()) {
      socket.close();
    }
    wsClient.close();
  }
}
