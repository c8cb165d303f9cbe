package dev.docsync.limits;

import dev.docsync.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A raw event-bus bridge client: SockJS through its raw WebSocket transport ({@code /eventbus/websocket},
 * one JSON text message per frame) or the TCP bridge (4-byte length + JSON), optionally from another
 * loopback address. Frames received are queued as JSON (a frame that is not a JSON object is queued as
 * {@code {"type":"<unparsable>"}}).
 */
public abstract sealed class BridgeClient implements AutoCloseable {
  public static final Duration WAIT = Duration.ofSeconds(10);
  protected final BlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
  protected final CompletableFuture<Void> closed = new CompletableFuture<>();
  /** Frames received that no {@link #next} call wanted yet. */
  private final List<JsonObject> held = new ArrayList<>();

  public static BridgeClient sockJs(Vertx vertx, int httpPort, String localAddress) {
    return Await.result(sockJsAsync(vertx, httpPort, localAddress));
  }

  public static Future<BridgeClient> sockJsAsync(Vertx vertx, int httpPort, String localAddress) {
    WebSocketClientOptions options = new WebSocketClientOptions().setMaxConnections(10_000)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 24);
    if (localAddress != null) {
      options.setLocalAddress(localAddress);
    }
    WebSocketClient client = vertx.createWebSocketClient(options);
    return Await.onContext(vertx, () -> client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(httpPort)
            .setURI("/eventbus/websocket")).<BridgeClient>map(socket -> new SockJs(client, socket)))
        .onFailure(e -> client.close());
  }

  /** On a shared WebSocketClient (created with {@code setMaxConnections}), which {@link #close} leaves open. */
  public static Future<BridgeClient> sockJs(WebSocketClient shared, int httpPort) {
    return shared.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(httpPort).setURI("/eventbus/websocket"))
        .map(socket -> new SockJs(null, socket));
  }

  /** On a shared NetClient, which {@link #close} leaves open. */
  public static Future<BridgeClient> tcp(NetClient shared, int port) {
    return shared.connect(port, "127.0.0.1").map(socket -> new Tcp(null, socket));
  }

  public static BridgeClient tcp(Vertx vertx, int port, String localAddress) {
    return Await.result(tcpAsync(vertx, port, localAddress));
  }

  public static Future<BridgeClient> tcpAsync(Vertx vertx, int port, String localAddress) {
    NetClientOptions options = new NetClientOptions();
    if (localAddress != null) {
      options.setLocalAddress(localAddress);
    }
    NetClient client = vertx.createNetClient(options);
    return Await.onContext(vertx, () -> client.connect(port, "127.0.0.1").<BridgeClient>map(socket -> new Tcp(client, socket)))
        .onFailure(e -> client.close());
  }

  /** Writes one frame of raw text (SockJS: a text message; TCP: length + UTF-8 bytes). */
  public abstract void sendText(String json);

  public void send(JsonObject frame) {
    sendText(frame.encode());
  }

  /** A {@code send} with a fresh reply address (36 characters: the SockJS bridge takes no longer one); returns it. */
  public String request(String address, JsonObject body) {
    String reply = UUID.randomUUID().toString();
    send(new JsonObject().put("type", "send").put("address", address).put("body", body).put("replyAddress", reply));
    return reply;
  }

  protected void received(String text) {
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (RuntimeException e) {
      json = new JsonObject().put("type", "<unparsable>").put("text", text);
    }
    inbox.add(json);
  }

  public JsonObject next(Predicate<JsonObject> wanted) {
    return next(wanted, WAIT);
  }

  /** The first frame received (now or within {@code wait}) that matches; the others stay for later calls. */
  public synchronized JsonObject next(Predicate<JsonObject> wanted, Duration wait) {
    for (java.util.Iterator<JsonObject> it = held.iterator(); it.hasNext(); ) {
      JsonObject frame = it.next();
      if (wanted.test(frame)) {
        it.remove();
        return frame;
      }
    }
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject frame = poll(Duration.ofNanos(deadline - System.nanoTime()));
      if (frame != null) {
        if (wanted.test(frame)) {
          return frame;
        }
        held.add(frame);
      }
    }
    throw new AssertionError("no matching frame within " + wait + "; received " + abbreviate(held)
        + (isClosed() ? " (closed)" : ""));
  }

  /** The answer (reply or failure) on a reply address. */
  public JsonObject reply(String replyAddress) {
    return next(f -> replyAddress.equals(f.getValue("address")));
  }

  public JsonObject poll(Duration wait) {
    try {
      return inbox.poll(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  public synchronized List<JsonObject> drain() {
    List<JsonObject> all = new ArrayList<>(held);
    held.clear();
    inbox.drainTo(all);
    return all;
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  public CompletableFuture<Void> closed() {
    return closed;
  }

  /** Closes the socket (no checked exception). */
  @Override
  public abstract void close();

  public void awaitClose() {
    try {
      closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("bridge socket not closed within " + WAIT, e);
    }
  }

  private static String abbreviate(List<JsonObject> frames) {
    String all = frames.toString();
    return all.length() <= 2000 ? all : all.substring(0, 2000) + "... (" + frames.size() + " frames)";
  }

  /** SockJS raw WebSocket transport. */
  public static final class SockJs extends BridgeClient {
    private final WebSocketClient client;
    private final WebSocket socket;

    SockJs(WebSocketClient client, WebSocket socket) {
      this.client = client;
      this.socket = socket;
      socket.textMessageHandler(this::received);
      socket.binaryMessageHandler(b -> received(b.toString(StandardCharsets.UTF_8)));
      socket.closeHandler(v -> closed.complete(null));
    }

    @Override
    public void sendText(String json) {
      socket.writeTextMessage(json);
    }

    public WebSocket socket() {
      return socket;
    }

    @Override
    public void close() {
      if (!socket.isClosed()) {
        socket.close();
      }
      if (client != null) {
        client.close();
      }
    }
  }

  /** TCP bridge. */
  public static final class Tcp extends BridgeClient {
    private final NetClient client;
    private final NetSocket socket;

    Tcp(NetClient client, NetSocket socket) {
      this.client = client;
      this.socket = socket;
      RecordParser parser = RecordParser.newFixed(4);
      int[] length = {-1};
      parser.handler(buffer -> {
        if (length[0] < 0) {
          length[0] = buffer.getInt(0);
          if (length[0] == 0) {
            received("");
            length[0] = -1;
          } else {
            parser.fixedSizeMode(length[0]);
          }
        } else {
          received(buffer.toString(StandardCharsets.UTF_8));
          length[0] = -1;
          parser.fixedSizeMode(4);
        }
      });
      socket.handler(parser);
      socket.closeHandler(v -> closed.complete(null));
    }

    @Override
    public void sendText(String json) {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      socket.write(Buffer.buffer(bytes.length + 4).appendInt(bytes.length).appendBytes(bytes));
    }

    /** Raw bytes, for frames that are broken on purpose. */
    public void sendBytes(byte[] bytes) {
      socket.write(Buffer.buffer(bytes));
    }

    @Override
    public void close() {
      socket.close();
      if (client != null) {
        client.close();
      }
    }
  }
}
