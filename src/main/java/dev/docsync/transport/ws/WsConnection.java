package dev.docsync.transport.ws;

import dev.docsync.transport.ConnectionInfo;
import dev.docsync.auth.Grant;
import dev.docsync.limits.Limit;
import dev.docsync.limits.LimitSettings;
import dev.docsync.limits.MessageRate;
import dev.docsync.limits.Slot;
import dev.docsync.protocol.Base64s;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One automerge-repo client on one WebSocket: frames in and out, the join handshake, liveness.
 * Once joined, its documents are {@link PeerDocuments}: one core peer per document, under a peer id
 * unique to this connection, with one event-bus outbox for all of them. Confined to the event loop
 * of the HTTP server that accepted the socket.
 */
final class WsConnection {
  private static final Logger LOG = LoggerFactory.getLogger(WsConnection.class);
  private static final String OUTBOX_PREFIX = "docsync.ws.out.";
  private static final Buffer PING = Buffer.buffer("docsync");

  private final SyncEndpoint endpoint;
  private final ServerWebSocket socket;
  /** The TCP connection under it: a client that does not read never takes the close frame, so it is closed here. */
  private final HttpConnection tcp;
  /** What the token presented at the upgrade allows. */
  private final Grant grant;
  private final String connId = UUID.randomUUID().toString();
  private final long since = System.currentTimeMillis();
  private final FrameAssembler frames;
  /** What the client has not read yet; bounded (see {@link Outbound}). */
  private final Outbound outbound;
  /** Documents whose sync messages were deferred while the client was behind: synced afresh once it has read. */
  private final Set<String> deferred = new HashSet<>();
  private long unfinishedTimer = -1;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Promise<Void> finished = Promise.promise();
  private final LimitSettings limits;
  private final MessageRate rate;
  /** This connection's place in the per-address count, and in the count of sockets not yet joined. */
  private final Slot addressSlot;
  private final Slot pendingSlot;
  private long joinTimer = -1;
  private int messagesBeforeJoin;
  private int refusalsLogged;
  /** Closing because the stream cannot be trusted or a limit said so: nothing more is read. */
  private boolean closeRequested;
  private String peerId;
  private PeerDocuments documents;
  private Future<Void> joined;
  private long pingTimer;
  private boolean heard = true;
  private boolean closing;
  private long bytesIn;
  private long bytesOut;
  private long messagesIn;
  private long messagesOut;

  WsConnection(SyncEndpoint endpoint, ServerWebSocket socket, HttpConnection tcp, Grant grant, String address, Slot addressSlot,
               Slot pendingSlot) {
    this.endpoint = endpoint;
    this.socket = socket;
    this.tcp = tcp;
    this.grant = grant;
    this.frames = new FrameAssembler(endpoint.settings().maxMessageBytes(), endpoint.unfinishedBytes(), address);
    this.limits = endpoint.settings().limits();
    this.outbound = new Outbound(socket, limits.sockets(), endpoint.outboundBytes(), address, this::resyncDeferred);
    this.rate = limits.messageRate();
    this.addressSlot = addressSlot;
    this.pendingSlot = pendingSlot;
  }

  void start() {
    socket.frameHandler(this::onFrame);
    socket.closeHandler(v -> onClosed());
    socket.exceptionHandler(e -> LOG.debug("WebSocket of {} failed: {}", describe(), e.getMessage()));
    pingTimer = endpoint.vertx().setPeriodic(endpoint.settings().pingMs(), id -> heartbeat());
    if (limits.joinTimeoutMs() > 0) {
      joinTimer = endpoint.vertx().setTimer(limits.joinTimeoutMs(), id -> joinTimedOut());
    }
  }

  /** The core's name for this client: its own peerId could collide with an older socket of it still saying BYE. */
  private String corePeerId() {
    return "ws:" + connId;
  }

  /** The client's peerId once joined, else null. */
  String peerId() {
    return peerId;
  }

  /** Where the core sends a connection's sync messages, for all its documents. */
  static String outboxAddress(String connId) {
    return OUTBOX_PREFIX + connId;
  }

  // ---- incoming ----

  private void onFrame(WebSocketFrame frame) {
    heard = true; // pongs and data both prove the client is alive
    if (closing || closeRequested || (!frame.isBinary() && !frame.isText() && !frame.isContinuation())) {
      return; // after BYE nothing may register this peer again; ping, pong, close
    }
    bytesIn += frame.binaryData().length();
    // The first frame of a message decides for all of it: continuations of a dropped message are skipped.
    if ((frame.isBinary() || frame.isText()) && !admit(frame)) {
      return;
    }
    read(frame);
  }

  private void read(WebSocketFrame frame) {
    WsMessage message;
    try {
      byte[] bytes = frames.accept(frame);
      watchUnfinished();
      if (bytes == null) {
        return;
      }
      messagesIn++;
      message = endpoint.codec().decode(bytes);
    } catch (WsDecodeException e) {
      refuse(e);
      return;
    }
    onMessage(message);
  }

  /** Tells the client what was wrong; closes when the stream itself cannot be trusted. */
  private void refuse(WsDecodeException e) {
    watchUnfinished();
    if (e.kind() == WsDecodeException.Kind.UNFINISHED) {
      endpoint.exceeded(Limit.UNFINISHED_MESSAGE);
      endpoint.logClosing("unfinished", describe() + " (" + socket.remoteAddress() + "): " + e.getMessage());
      closeForLimit(Limit.UNFINISHED_MESSAGE, e.getMessage());
      return;
    }
    endpoint.counters().rejected(e.kind().name());
    if (e.kind() == WsDecodeException.Kind.TOO_LARGE) {
      endpoint.limitMeters().exceeded(Limit.MESSAGE_SIZE);
    }
    // Once per connection at INFO: a client sending garbage must not be able to flood the log.
    if (refusalsLogged++ == 0) {
      LOG.info("Refused a message from {} ({}): {}: {} (later refusals of this socket at DEBUG)", describe(),
          socket.remoteAddress(), e.kind(), e.getMessage());
    } else {
      LOG.debug("Refused a message from {}: {}: {}", describe(), e.kind(), e.getMessage());
    }
    send(new WsMessage.Error(serverId(), peerId, e.kind() + ": " + e.getMessage()));
    if (e.kind().fatal()) {
      closeRequested = true;
      socket.close(e.kind().closeCode(), e.kind().name());
    }
  }

  // ---- limits ----

  /**
   * Whether a message may be read now: messages past the allowance before join are dropped; messages
   * over the rate wait (see {@link #slowDown}).
   */
  private boolean admit(WebSocketFrame frame) {
    if (peerId == null && limits.prejoinMessages() > 0 && ++messagesBeforeJoin > limits.prejoinMessages()) {
      endpoint.exceeded(Limit.PREJOIN_MESSAGES);
      if (messagesBeforeJoin == limits.prejoinMessages() + 1) {
        send(new WsMessage.Error(serverId(), null, Limit.PREJOIN_MESSAGES.message("more than " + limits.prejoinMessages()
            + " messages before join: dropped unread until this socket joins")));
      }
      return false;
    }
    if (rate.tryTake()) {
      return true;
    }
    endpoint.exceeded(Limit.MESSAGE_RATE);
    if (rate.notice()) {
      send(new WsMessage.Error(serverId(), peerId, Limit.MESSAGE_RATE.message("more than " + limits.messagesPerSecond()
          + " messages a second (burst " + limits.messageBurst() + "): this socket is read at that rate")));
    }
    socket.pause();
    slowDown(frame);
    return false;
  }

  /**
   * A message over the rate is read when the rate allows, with the socket paused meanwhile: TCP
   * back-pressure slows the client down, and nothing it sent is lost (a dropped sync message would
   * leave its sync round waiting).
   */
  private void slowDown(WebSocketFrame held) {
    long delayMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(rate.nanosUntilNext()) + 1);
    endpoint.vertx().setTimer(delayMs, id -> {
      if (closing || closeRequested) {
        return;
      }
      if (!rate.tryTake()) {
        slowDown(held);
        return;
      }
      read(held); // before resume(): frames queued behind it must not overtake it
      socket.resume();
    });
  }

  /** A message begun in fragments must end within DOCSYNC_LIMIT_UNFINISHED_MESSAGE_MS: its fragments pin the heap meanwhile. */
  private void watchUnfinished() {
    long limitMs = limits.sockets().unfinishedMessageMs();
    if (frames.unfinished() && unfinishedTimer == -1 && limitMs > 0) {
      unfinishedTimer = endpoint.vertx().setTimer(limitMs, id -> {
        unfinishedTimer = -1;
        if (frames.unfinished() && !closing && !closeRequested) {
          endpoint.exceeded(Limit.UNFINISHED_MESSAGE);
          endpoint.logClosing("unfinished", describe() + " (" + socket.remoteAddress() + ") did not finish a fragmented message within " + limitMs + " ms");
          frames.release();
          closeForLimit(Limit.UNFINISHED_MESSAGE, "a fragmented message was not finished within " + limitMs + " ms: closed");
        }
      });
    } else if (!frames.unfinished() && unfinishedTimer != -1) {
      endpoint.vertx().cancelTimer(unfinishedTimer);
      unfinishedTimer = -1;
    }
  }

  private void joinTimedOut() {
    joinTimer = -1;
    if (peerId == null && !closing && !closeRequested) {
      endpoint.exceeded(Limit.JOIN_TIMEOUT);
      endpoint.logClosing("join-timeout", describe() + " (" + socket.remoteAddress() + ") did not join within " + limits.joinTimeoutMs() + " ms");
      closeForLimit(Limit.JOIN_TIMEOUT, "no join within " + limits.joinTimeoutMs() + " ms: closed");
    }
  }

  /** The client is told why, then closed with 1008 (policy violation); nothing it sends meanwhile is read. */
  private void closeForLimit(Limit limit, String detail) {
    send(new WsMessage.Error(serverId(), peerId, limit.message(detail)));
    closeRequested = true;
    socket.close((short) 1008, limit.code().name());
  }

  private void onMessage(WsMessage message) {
    if (message instanceof WsMessage.Join join) {
      join(join);
    } else if (peerId == null || !peerId.equals(message.senderId())) {
      // As the JS server does: only the peer that joined on this socket may speak on it.
      endpoint.counters().ignored("UNBOUND_SENDER");
      LOG.debug("Ignored {} from unbound sender {} on {}", WsCodec.typeOf(message), message.senderId(), describe());
    } else {
      joined.onSuccess(v -> route(message));
    }
  }

  private void route(WsMessage message) {
    if (message instanceof WsMessage.Request m) {
      documents.sync(m.documentId(), m.data(), true);
    } else if (message instanceof WsMessage.Sync m) {
      documents.sync(m.documentId(), m.data(), false);
    } else if (message instanceof WsMessage.Ephemeral m) {
      documents.relay(m);
    } else {
      // remote-subscription-change / remote-heads-changed: gossip docsync does not take part in (off by
      // default in automerge-repo). doc-unavailable, peer and error carry nothing a server acts on.
      endpoint.counters().ignored(WsCodec.typeOf(message));
      LOG.debug("Ignored {} from {}", WsCodec.typeOf(message), describe());
    }
  }

  // ---- handshake ----

  private void join(WsMessage.Join join) {
    if (peerId != null) {
      endpoint.counters().ignored("REPEATED_JOIN");
      return;
    }
    if (join.supportedProtocolVersions() != null && !join.supportedProtocolVersions().contains("1")) {
      endpoint.counters().rejected("UNSUPPORTED_VERSION");
      send(new WsMessage.Error(serverId(), join.senderId(), "unsupported protocol version"));
      socket.close((short) 1002, "unsupported protocol version");
      return;
    }
    peerId = join.senderId();
    pendingSlot.release();
    cancelJoinTimer();
    String outbox = outboxAddress(connId);
    String storageId = join.peerMetadata() != null && join.peerMetadata().durable() ? join.peerMetadata().storageId() : null;
    documents = new PeerDocuments(endpoint, new PeerDocuments.Peer(peerId, connId, corePeerId(), storageId, outbox, grant), this::send);
    // Older sockets of this peer, on any node, close themselves (see replacedBy).
    endpoint.joined(this, peerId, new JsonObject().put("connId", connId).put("subject", grant.subject()));
    MessageConsumer<JsonObject> out = consumer(outbox, this::fromCore);
    joined = out.completion()
        .onSuccess(v -> send(new WsMessage.Peer(serverId(), peerId,
            new WsMessage.PeerMetadata(endpoint.identity().storageId(), false), "1")))
        .onFailure(e -> socket.close((short) 1011, "cannot register"));
  }

  /** Only by the same token subject: knowing a peerId must not let anyone close its sockets. */
  void replacedBy(JsonObject other) {
    if (!connId.equals(other.getString("connId")) && grant.subject().equals(other.getString("subject"))) {
      LOG.info("{} joined again on another socket: closing this one", describe());
      socket.close((short) 1000, "replaced by a newer connection of the same peer");
    }
  }

  private <T> MessageConsumer<T> consumer(String address, Handler<T> handler) {
    MessageConsumer<T> consumer = endpoint.vertx().eventBus().consumer(address, m -> handler.handle(m.body()));
    consumers.add(consumer);
    return consumer;
  }

  // ---- outgoing ----

  /**
   * A sync message the client cannot take now is not queued: the core's next message would build on
   * it (Automerge remembers what it sent), so the document's conversation is restarted instead once
   * the client has read (see {@link #resyncDeferred}); until then its messages are dropped too.
   */
  private void fromCore(JsonObject body) {
    String docId = body.getString("docId");
    if ("deleted".equals(body.getString("event"))) {
      deferred.remove(docId);
      if (documents != null) {
        documents.deleted(docId);
      }
      return;
    }
    if ("moved".equals(body.getString("event"))) {
      if (documents != null) {
        documents.resync(docId); // the document has a new owner (another node): greet it there
      }
      return;
    }
    if (closing || deferred.contains(docId)) {
      endpoint.exceeded(Limit.OUTBOUND_SYNC_DEFERRED);
      return;
    }
    WsMessage sync = new WsMessage.Sync(serverId(), peerId, docId, Base64s.decode(body.getString("message"), "message"));
    if (!send(sync, Outbound.Kind.SYNC)) {
      deferred.add(docId);
      endpoint.exceeded(Limit.OUTBOUND_SYNC_DEFERRED);
      LOG.debug("{} is behind in reading: sync of {} deferred", describe(), docId);
    }
  }

  /** The client has read what was queued: the core greets it again for each deferred document and sends what it lacks. */
  private void resyncDeferred() {
    if (closing || documents == null) {
      return;
    }
    List<String> docs = List.copyOf(deferred);
    deferred.clear();
    docs.forEach(documents::resync);
  }

  private void send(WsMessage message) {
    Outbound.Kind kind = message instanceof WsMessage.Ephemeral ? Outbound.Kind.EPHEMERAL : Outbound.Kind.CONTROL;
    if (!send(message, kind) && kind == Outbound.Kind.EPHEMERAL) {
      endpoint.exceeded(Limit.OUTBOUND_EPHEMERAL_DROPPED);
    }
  }

  /** Whether the message was written (not dropped or deferred because the client is behind in reading). */
  private boolean send(WsMessage message, Outbound.Kind kind) {
    if (closing) {
      return false;
    }
    byte[] bytes = endpoint.codec().encode(message);
    if (!outbound.write(bytes, kind)) {
      return false;
    }
    bytesOut += bytes.length;
    messagesOut++;
    checkOutbound();
    return true;
  }

  /** A client that holds too much unread, or reads nothing for too long, is closed (it resyncs when it reconnects). */
  private void checkOutbound() {
    String overflow = outbound.overflow();
    if (overflow != null && !closeRequested && !closing) {
      endpoint.exceeded(Limit.OUTBOUND_CLOSED);
      endpoint.logClosing("not-reading", describe() + " (" + socket.remoteAddress() + ") is not reading: " + overflow);
      closeRequested = true;
      abort();
    }
  }

  private String serverId() {
    return endpoint.identity().peerId();
  }

  // ---- liveness and end ----

  private void heartbeat() {
    checkOutbound();
    if (!heard) {
      LOG.info("{} did not answer the last ping: closing", describe());
      endpoint.counters().ignored("PING_TIMEOUT");
      endpoint.vertx().cancelTimer(pingTimer);
      // The HTTP server's WebSocket closing timeout bounds the wait for an answer that will not come.
      socket.close((short) 1001, "ping timeout");
      if (outbound.queued() > 0) {
        abort(); // the close frame would wait behind what the client does not read
      }
      return;
    }
    heard = false;
    socket.writePing(PING);
  }

  /**
   * Closes the TCP connection now. Vert.x closes a connection (a WebSocket too, after its close frame)
   * only once everything queued has been written, its handler holding the close back: a client that
   * does not read would keep it all, forever. The close starts at the head of Netty's pipeline instead,
   * below that handler; the channel is reached through Vert.x's internal ConnectionBase (5.0.7;
   * OutboundBackpressureTest checks that the node lets go).
   */
  private void abort() {
    ChannelHandlerContext first = tcp instanceof ConnectionBase base ? base.channel().pipeline().firstContext() : null;
    if (first != null) {
      first.close();
    } else {
      tcp.close();
    }
  }

  /** The server is stopping: say BYE for every document now, then close. */
  Future<Void> shutdown() {
    onClosed();
    socket.close((short) 1001, "server shutting down");
    return finished.future();
  }

  private void onClosed() {
    if (closing) {
      return;
    }
    closing = true;
    endpoint.vertx().cancelTimer(pingTimer);
    cancelJoinTimer();
    if (unfinishedTimer != -1) {
      endpoint.vertx().cancelTimer(unfinishedTimer);
    }
    frames.release();
    pendingSlot.release();
    addressSlot.release();
    consumers.forEach(MessageConsumer::unregister);
    endpoint.closed(this);
    Future<Void> byes = documents == null ? Future.succeededFuture() : documents.byeAll();
    byes.onComplete(ar -> finished.complete());
  }

  private void cancelJoinTimer() {
    if (joinTimer != -1) {
      endpoint.vertx().cancelTimer(joinTimer);
      joinTimer = -1;
    }
  }

  private String describe() {
    return "peer " + (peerId == null ? "(not joined)" : peerId) + " [" + connId.substring(0, 8) + "]";
  }

  /** What an operator sees of this connection. */
  ConnectionInfo info() {
    return new ConnectionInfo(connId, "websocket", grant.subject(), String.valueOf(socket.remoteAddress()),
        documents == null ? List.of() : documents.ids(), since);
  }

  JsonObject stats() {
    return new JsonObject()
        .put("connId", connId)
        .put("peerId", peerId)
        .put("corePeerId", corePeerId())
        .put("documents", documents == null ? 0 : documents.size())
        .put("bytesIn", bytesIn)
        .put("bytesOut", bytesOut)
        .put("messagesIn", messagesIn)
        .put("messagesDropped", rate.dropped())
        .put("messagesOut", messagesOut)
        .put("outboundQueuedBytes", outbound.queued());
  }
}
