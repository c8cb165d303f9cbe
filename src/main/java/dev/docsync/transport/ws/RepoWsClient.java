package dev.docsync.transport.ws;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.List;
import java.util.function.Consumer;

/**
 * The client side of the automerge-repo network protocol: connects to any sync server's WebSocket
 * (docsync or the Node reference server), joins, and exchanges {@link WsMessage}s. Used by
 * outbound peering and by the benchmark's load generator. Use it from one event-loop context.
 */
public final class RepoWsClient {
  private final WsCodec codec = new WsCodec();
  /** Held: Vert.x closes a client (and its sockets) once nothing references it. */
  private final WebSocketClient client;
  private final WebSocket socket;
  private final String peerId;
  private WsMessage.Peer server;
  private Consumer<WsMessage> handler = m -> {};
  private long bytesIn;
  private long bytesOut;

  private RepoWsClient(WebSocketClient client, WebSocket socket, String peerId) {
    this.client = client;
    this.socket = socket;
    this.peerId = peerId;
  }

  /** Connects and joins; completes once the server answered {@code peer}. */
  public static Future<RepoWsClient> connect(Vertx vertx, String url, String peerId, WsMessage.PeerMetadata metadata,
                                           int maxMessageBytes) {
    URI uri = URI.create(url);
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxMessageSize(maxMessageBytes).setMaxFrameSize(maxMessageBytes).setTryUsePerMessageCompression(true));
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost(uri.getHost())
        .setPort(uri.getPort() > 0 ? uri.getPort() : ("wss".equals(uri.getScheme()) ? 443 : 80))
        .setSsl("wss".equals(uri.getScheme()))
        .setURI(uri.getRawPath() + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : ""));
    return client.connect(options)
        .compose(socket -> new RepoWsClient(client, socket, peerId).join(metadata))
        .onFailure(e -> client.close());
  }

  private Future<RepoWsClient> join(WsMessage.PeerMetadata metadata) {
    Promise<RepoWsClient> joined = Promise.promise();
    socket.binaryMessageHandler(frame -> receive(frame, joined));
    socket.closeHandler(v -> joined.tryFail("closed before the server answered join"));
    send(new WsMessage.Join(peerId, metadata, List.of("1")));
    return joined.future();
  }

  private void receive(Buffer frame, Promise<RepoWsClient> joined) {
    bytesIn += frame.length();
    WsMessage message;
    try {
      message = codec.decode(frame.getBytes());
    } catch (WsDecodeException e) {
      return; // a server that sends garbage is not worth answering
    }
    if (message instanceof WsMessage.Peer peer && server == null) {
      server = peer;
      joined.tryComplete(this);
    } else if (message instanceof WsMessage.Error error && server == null) {
      joined.tryFail(new JoinRefused(error.message()));
    } else {
      handler.accept(message);
    }
  }

  public RepoWsClient handler(Consumer<WsMessage> handler) {
    this.handler = handler;
    return this;
  }

  public RepoWsClient closeHandler(Runnable onClose) {
    socket.closeHandler(v -> onClose.run());
    return this;
  }

  public Future<Void> send(WsMessage message) {
    byte[] frame = codec.encode(message);
    bytesOut += frame.length;
    return socket.writeBinaryMessage(Buffer.buffer(frame));
  }

  /** A sync message for a document, addressed to the server. */
  public Future<Void> sync(String documentId, byte[] data) {
    return send(new WsMessage.Sync(peerId, server.senderId(), documentId, data));
  }

  public String peerId() {
    return peerId;
  }

  /** The server's peer id and metadata (storageId), as its {@code peer} message gave them. */
  public WsMessage.Peer server() {
    return server;
  }

  public long bytesIn() {
    return bytesIn;
  }

  public long bytesOut() {
    return bytesOut;
  }

  public Future<Void> close() {
    return socket.close().eventually(client::close);
  }

  /** The server answered {@code join} with an {@code error} (a refused token, a limit): {@link #reason()} is its text. */
  public static final class JoinRefused extends RuntimeException {
    private final String reason;

    JoinRefused(String reason) {
      super("server refused join: " + reason, null, false, false);
      this.reason = reason == null ? "" : reason;
    }

    /** The server's error text, e.g. {@code UNAUTHENTICATED: token expired}. */
    public String reason() {
      return reason;
    }
  }
}
