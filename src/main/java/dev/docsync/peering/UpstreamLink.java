package dev.docsync.peering;

import dev.docsync.doc.DocumentRouter;
import dev.docsync.protocol.Base64s;
import dev.docsync.store.ServerIdentity;
import dev.docsync.transport.ws.CorePeers;
import dev.docsync.transport.ws.RepoWsClient;
import dev.docsync.transport.ws.WsMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dialled sync server. To the core it is a peer of every document in scope (HELLO, SYNC, BYE),
 * whose sync state is stored under the other server's storageId, so a reconnection, or a restart
 * of either side, exchanges only what is missing. Reconnects with exponential backoff.
 * Runs on one event loop.
 */
final class UpstreamLink {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamLink.class);
  private static final long FIRST_BACKOFF_MS = 250;
  private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final Vertx vertx;
  private final String url;
  private final ServerIdentity self;
  private final UpstreamSettings settings;
  private final CorePeers core;
  private final String corePeerId;
  private final String outbox;
  private final Map<String, Future<JsonObject>> hellos = new HashMap<>();
  private RepoWsClient client;
  private MessageConsumer<JsonObject> fromCore;
  private final Consumer<UpstreamLink> onConnected;
  private long backoffMs = FIRST_BACKOFF_MS;
  private boolean stopped;

  UpstreamLink(Vertx vertx, DocumentRouter router, String url, int index, ServerIdentity self, UpstreamSettings settings,
               Consumer<UpstreamLink> onConnected) {
    this.vertx = vertx;
    this.onConnected = onConnected;
    this.url = url;
    this.self = self;
    this.settings = settings;
    this.core = new CorePeers(router);
    // Unique in the cluster: every node may link to the same upstream, each link is a peer of its own.
    String link = java.util.UUID.randomUUID().toString().substring(0, 8);
    this.corePeerId = "upstream:" + url + "#" + link;
    this.outbox = "docsync.upstream.out." + index + "." + link;
  }

  void start() {
    fromCore = vertx.eventBus().consumer(outbox, m -> toRemote(m.body()));
    connect();
  }

  private void connect() {
    if (stopped) {
      return;
    }
    RepoWsClient.connect(vertx, urlWithToken(), self.peerId(), new WsMessage.PeerMetadata(self.storageId(), false), MAX_MESSAGE_BYTES)
        .onSuccess(this::connected)
        .onFailure(e -> {
          LOG.info("Upstream {} unreachable ({}); retrying in {} ms", url, e.getMessage(), backoffMs);
          retryLater();
        });
  }

  private void connected(RepoWsClient joined) {
    LOG.info("Peering with upstream {} (peer {})", url, joined.server().senderId());
    client = joined;
    backoffMs = FIRST_BACKOFF_MS;
    joined.handler(this::fromRemote).closeHandler(this::disconnected);
    hellos.clear();
    onConnected.accept(this);
  }

  /** Starts syncing a document with the other server, once per connection. */
  Future<JsonObject> open(String docId) {
    if (client == null) {
      return Future.failedFuture("upstream " + url + " is not connected");
    }
    return hellos.computeIfAbsent(docId, id -> core.hello(id, corePeerId, remoteStorageId(), outbox, false, null)
        .onFailure(e -> hellos.remove(id)));
  }

  private String remoteStorageId() {
    WsMessage.PeerMetadata metadata = client.server().peerMetadata();
    return metadata != null && metadata.durable() ? metadata.storageId() : null;
  }

  private void fromRemote(WsMessage message) {
    if (message instanceof WsMessage.Sync sync) {
      forward(sync.documentId(), sync.data());
    } else if (message instanceof WsMessage.Request request) {
      forward(request.documentId(), request.data());
    } else if (message instanceof WsMessage.Error error) {
      LOG.warn("Upstream {} says: {}", url, error.message());
    }
  }

  private void forward(String docId, byte[] data) {
    open(docId).compose(v -> core.sync(docId, corePeerId, data))
        .onFailure(e -> LOG.info("Sync message from upstream {} for {} refused: {}", url, docId, e.getMessage()));
  }

  private void toRemote(JsonObject body) {
    String event = body.getString("event");
    if (event != null) {
      // "moved": the document has a new owner (another node): greet it there. "deleted": forget it.
      hellos.remove(body.getString("docId"));
      if ("moved".equals(event) && client != null) {
        open(body.getString("docId"));
      }
      return;
    }
    if (client != null) {
      client.sync(body.getString("docId"), Base64s.decode(body.getString("message"), "message"));
    }
  }

  private void disconnected() {
    if (stopped) {
      return;
    }
    LOG.info("Upstream {} disconnected; reconnecting in {} ms", url, backoffMs);
    client = null;
    byeAll();
    retryLater();
  }

  /** The core stores the sync states; the next connection resumes from them. */
  private Future<Void> byeAll() {
    Future<?>[] byes = hellos.keySet().stream().map(docId -> core.bye(docId, corePeerId)).toArray(Future[]::new);
    hellos.clear();
    return Future.join(java.util.List.of(byes)).mapEmpty();
  }

  private void retryLater() {
    if (!stopped) {
      vertx.setTimer(backoffMs, id -> connect());
      backoffMs = Math.min(backoffMs * 2, settings.maxBackoffMs());
    }
  }

  boolean connected() {
    return client != null;
  }

  Future<Void> stop() {
    stopped = true;
    Future<Void> closed = client == null ? Future.succeededFuture() : client.close();
    client = null;
    return closed.eventually(this::byeAll).eventually(() -> fromCore.unregister());
  }

  private String urlWithToken() {
    if (settings.token() == null) {
      return url;
    }
    return url + (url.contains("?") ? "&" : "?") + "token=" + URLEncoder.encode(settings.token(), StandardCharsets.UTF_8);
  }
}
