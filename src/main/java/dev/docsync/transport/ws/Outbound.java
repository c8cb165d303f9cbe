package dev.docsync.transport.ws;

import dev.docsync.limits.ByteBudget;
import dev.docsync.limits.SocketLimits;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import java.util.concurrent.TimeUnit;

/**
 * What is written to one WebSocket and not yet taken by the client (handed to the OS): the bytes a
 * client that stops reading makes the node hold. Bounded per socket and, through a {@link ByteBudget},
 * for the node: ephemeral messages are dropped first (past half the socket's bound), sync messages
 * are deferred past the bound (the caller has the document synced afresh once the client has read);
 * control messages always go, and a socket past twice its bound (beyond the message that started its
 * queue), or whose client took nothing for
 * the stall time, should be closed. A socket with nothing queued always gets the next message, so a
 * document as large as the message limit still reaches an honest client. Confined to the socket's event loop.
 */
final class Outbound {
  /** How a message may be treated when the client is behind. */
  enum Kind {
    /** error, peer, doc-unavailable: small, always sent. */
    CONTROL,
    /** A sync message: if not sent, the caller must resync its document. */
    SYNC,
    /** Presence and the like: the next one replaces it, dropped first. */
    EPHEMERAL
  }

  private final WebSocketBase socket;
  private final SocketLimits limits;
  private final ByteBudget node;
  private final String address;
  private final Runnable drained;
  private long queued;
  /** The message written onto an empty queue, which may alone exceed the bound: not counted against it. */
  private long first;
  /** When the client last took something, or when the queue last became non-empty (nanoTime). */
  private long lastTaken = System.nanoTime();
  private boolean waitingForDrain;

  /** {@code drained} runs once the queue is back under half its bound after a sync message was deferred. */
  Outbound(WebSocketBase socket, SocketLimits limits, ByteBudget node, String address, Runnable drained) {
    this.socket = socket;
    this.limits = limits;
    this.node = node;
    this.address = address;
    this.drained = drained;
  }

  /** Writes the message, or returns false when it was not written (dropped or deferred, by its kind). */
  boolean write(byte[] bytes, Kind kind) {
    if (kind == Kind.EPHEMERAL && (overSocket(bytes.length, limits.outboundMaxBytes() / 2) || node.over(bytes.length))) {
      return false;
    }
    if (kind == Kind.SYNC && queued > 0 && (overSocket(bytes.length, limits.outboundMaxBytes()) || node.over(bytes.length))) {
      waitingForDrain = true;
      return false;
    }
    if (queued == 0) {
      lastTaken = System.nanoTime();
      first = bytes.length;
    }
    long length = bytes.length;
    queued += length;
    node.add(address, length);
    socket.writeBinaryMessage(Buffer.buffer(bytes)).onComplete(ar -> taken(length));
    return true;
  }

  /** Why the socket should be closed (the client holds too much, or takes nothing), or null. */
  String overflow() {
    long max = limits.outboundMaxBytes();
    if (max > 0 && queued - first > 2 * max) {
      return "the client has not read " + queued + " bytes (more than " + 2 * max + " after a message of " + first + ")";
    }
    long stalledMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastTaken);
    if (queued > 0 && limits.outboundStallMs() > 0 && stalledMs > limits.outboundStallMs()) {
      return "the client took none of " + queued + " waiting bytes for " + stalledMs + " ms";
    }
    return null;
  }

  long queued() {
    return queued;
  }

  private boolean overSocket(long length, long bound) {
    return limits.outboundMaxBytes() > 0 && queued + length > bound;
  }

  /** Written to the OS, or failed because the socket closed: either way no longer held here. */
  private void taken(long length) {
    queued -= length;
    if (queued == 0) {
      first = 0;
    }
    node.release(address, length);
    lastTaken = System.nanoTime();
    if (waitingForDrain && (limits.outboundMaxBytes() == 0 || queued <= limits.outboundMaxBytes() / 2)) {
      waitingForDrain = false;
      drained.run();
    }
  }
}
