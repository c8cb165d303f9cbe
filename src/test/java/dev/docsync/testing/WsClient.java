package dev.docsync.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.vertx.core.Future;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A test client of {@code /sync} speaking the automerge-repo protocol in CBOR with plain Jackson maps,
 * independently of the server's codec (byte[] values go as CBOR byte strings and come back as byte[]).
 * It sends well-formed messages ({@link #join}, {@link #sendDoc}) as well as hostile ones ({@link #sendRaw},
 * {@link #sendText}, {@link #sendFrame}), optionally from another loopback address (127.0.0.2, ...: all of
 * 127/8 is loopback on Linux) so that per-address limits can be tested without touching the other clients.
 */
public final class WsClient implements AutoCloseable {
  public static final CBORMapper CBOR = new CBORMapper();
  public static final Duration WAIT = Duration.ofSeconds(10);

  /** Held: Vert.x 5 closes an unreachable WebSocketClient, and its sockets with it, when it is garbage collected. */
  private final WebSocketClient wsClient;
  private final WebSocket socket;
  private final BlockingQueue<Map<String, Object>> inbox = new LinkedBlockingQueue<>();
  private final List<Map<String, Object>> received = Collections.synchronizedList(new ArrayList<>());
  private final CompletableFuture<Short> closed = new CompletableFuture<>();
  private volatile Consumer<Map<String, Object>> listener = m -> {};
  private volatile String peerId;
  private volatile String serverPeerId;
  /** Whether {@link #close} closes {@link #wsClient} too (not when it is shared). */
  private final boolean ownsClient;

  private WsClient(WebSocketClient wsClient, WebSocket socket, boolean ownsClient) {
    this.wsClient = wsClient;
    this.socket = socket;
    this.ownsClient = ownsClient;
    socket.binaryMessageHandler(this::onMessage);
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
  }

  public static WsClient connect(Vertx vertx, int port) {
    return Await.result(connectAsync(vertx, port, null, null));
  }

  /** From {@code localAddress} (e.g. "127.0.0.2"), null for the default. */
  public static WsClient connect(Vertx vertx, int port, String localAddress) {
    return Await.result(connectAsync(vertx, port, localAddress, null));
  }

  /** With {@code token} as {@code ?token=}, as a browser passes it. */
  public static WsClient connectWithToken(Vertx vertx, int port, String token) {
    return Await.result(connectAsync(vertx, port, null, token));
  }

  /** As if through a reverse proxy that says the client is {@code forwardedFor}. */
  public static WsClient connectForwarded(Vertx vertx, int port, String forwardedFor) {
    WebSocketClient wsClient = vertx.createWebSocketClient(options());
    WebSocketConnectOptions target = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/sync")
        .addHeader("X-Forwarded-For", forwardedFor);
    return Await.result(Await.onContext(vertx, () -> wsClient.connect(target).map(socket -> new WsClient(wsClient, socket, true))));
  }

  public static Future<WsClient> connectAsync(Vertx vertx, int port, String localAddress) {
    return connectAsync(vertx, port, localAddress, null);
  }

  /** From {@code localAddress} (null: default) with {@code token} (null: none) as {@code ?token=}. */
  public static Future<WsClient> connectAsync(Vertx vertx, int port, String localAddress, String token) {
    WebSocketClientOptions options = options();
    if (localAddress != null) {
      options.setLocalAddress(localAddress);
    }
    WebSocketClient wsClient = vertx.createWebSocketClient(options);
    WebSocketConnectOptions target = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI(token == null ? "/sync" : "/sync?token=" + token);
    return Await.onContext(vertx, () -> wsClient.connect(target).map(socket -> new WsClient(wsClient, socket, true)))
        .onFailure(e -> wsClient.close());
  }

  private static WebSocketClientOptions options() {
    return new WebSocketClientOptions()
        .setTryUsePerMessageCompression(true) // taken only where the server turns it on (DOCSYNC_WS_DEFLATE)
        .setMaxFrameSize(1 << 25) // documents of up to the server's 16 MiB message limit come in one frame
        .setMaxMessageSize(1 << 25)
        .setMaxConnections(10_000);
  }

  /** A WebSocketClient for many connections (see {@link #connect(WebSocketClient, int)}). */
  public static WebSocketClient sharedClient(Vertx vertx) {
    return vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 24)
        .setMaxConnections(10_000));
  }

  /** On a shared WebSocketClient, which {@link #close} leaves open. */
  public static Future<WsClient> connect(WebSocketClient shared, int port) {
    WebSocketConnectOptions target = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/sync");
    return shared.connect(target).map(socket -> new WsClient(shared, socket, false));
  }

  private void onMessage(Buffer buffer) {
    Map<String, Object> message = decode(buffer.getBytes());
    received.add(message);
    inbox.add(message);
    listener.accept(message);
  }

  public static Map<String, Object> decode(byte[] bytes) {
    try {
      return CBOR.readValue(bytes, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException("server sent undecodable CBOR", e);
    }
  }

  public static byte[] encode(Object value) {
    try {
      return CBOR.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- sending (never waits: a listener sends from the client's event loop, which must not block; order is kept) ----

  /** Sends a map as one binary CBOR message; null values are left out. */
  public void send(Map<String, Object> message) {
    Map<String, Object> clean = new LinkedHashMap<>(message);
    clean.values().removeIf(v -> v == null);
    sendRaw(encode(clean));
  }

  public void sendRaw(byte[] bytes) {
    socket.writeBinaryMessage(Buffer.buffer(bytes));
  }

  public void sendText(String text) {
    socket.writeTextMessage(text);
  }

  public void sendFrame(WebSocketFrame frame) {
    socket.writeFrame(frame);
  }

  public static Map<String, Object> joinMessage(String peerId) {
    return joinMessage(peerId, Map.of("isEphemeral", true));
  }

  public static Map<String, Object> joinMessage(String peerId, Map<String, Object> peerMetadata) {
    Map<String, Object> join = new LinkedHashMap<>();
    join.put("type", "join");
    join.put("senderId", peerId);
    join.put("peerMetadata", peerMetadata);
    join.put("supportedProtocolVersions", List.of("1"));
    return join;
  }

  /** join with protocol "1" and the given metadata; returns the server's {@code peer} answer. */
  public Map<String, Object> join(String peerId, Map<String, Object> peerMetadata) {
    this.peerId = peerId;
    send(joinMessage(peerId, peerMetadata));
    Map<String, Object> peer = nextOfType("peer");
    serverPeerId = (String) peer.get("senderId");
    return peer;
  }

  /** An ephemeral client without storage, as a browser tab without IndexedDB would join. */
  public Map<String, Object> join(String peerId) {
    return join(peerId, Map.of("isEphemeral", true));
  }

  public static Map<String, Object> docMessage(String type, String sender, String docId, byte[] data) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("type", type);
    message.put("senderId", sender);
    message.put("documentId", docId);
    message.put("data", data);
    return message;
  }

  /** A request/sync/ephemeral/... message from this peer about a document. */
  public void sendDoc(String type, String docId, byte[] data) {
    Map<String, Object> message = docMessage(type, peerId, docId, data);
    message.put("targetId", serverPeerId);
    send(message);
  }

  // ---- receiving ----

  public void onEveryMessage(Consumer<Map<String, Object>> listener) {
    this.listener = listener;
  }

  /** The next message, whatever it is. */
  public Map<String, Object> next() {
    Map<String, Object> message = poll(WAIT);
    if (message == null) {
      throw new AssertionError("no message from the server within " + WAIT);
    }
    return message;
  }

  /** The next message matching, dropping the others from the queue (not from {@link #received()}). */
  public Map<String, Object> next(Predicate<Map<String, Object>> wanted) {
    return next(wanted, WAIT);
  }

  public Map<String, Object> next(Predicate<Map<String, Object>> wanted, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    List<Object> skipped = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      Map<String, Object> message = poll(Duration.ofNanos(deadline - System.nanoTime()));
      if (message != null) {
        if (wanted.test(message)) {
          return message;
        }
        skipped.add(message.get("type") + (message.containsKey("message") ? "(" + message.get("message") + ")" : ""));
      }
    }
    throw new AssertionError("no matching message within " + wait + "; skipped " + skipped
        + (isClosed() ? " (closed " + closed.getNow(null) + ")" : ""));
  }

  public Map<String, Object> nextOfType(String type) {
    return next(m -> type.equals(m.get("type")));
  }

  /** The next message, or null if none arrives within {@code wait}. */
  public Map<String, Object> poll(Duration wait) {
    try {
      return inbox.poll(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** True when nothing at all arrives for {@code quiet}. */
  public boolean silentFor(Duration quiet) {
    return poll(quiet) == null;
  }

  /** Messages received and not taken yet. */
  public List<Map<String, Object>> drain() {
    List<Map<String, Object>> all = new ArrayList<>();
    inbox.drainTo(all);
    return all;
  }

  /** Every message received so far, taken or not. */
  public List<Map<String, Object>> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** The close status the server sent, waiting up to {@link #WAIT}. */
  public Short awaitClose() {
    return awaitClose(WAIT);
  }

  public Short awaitClose(Duration wait) {
    try {
      return closed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("socket not closed within " + wait, e);
    }
  }

  public CompletableFuture<Short> closed() {
    return closed;
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  public WebSocket socket() {
    return socket;
  }

  public String peerId() {
    return peerId;
  }

  public String serverPeerId() {
    return serverPeerId;
  }

  @Override
  public void close() {
    if (!socket.isClosed()) {
      socket.close();
    }
    if (ownsClient) {
      wsClient.close();
    }
  }
}
