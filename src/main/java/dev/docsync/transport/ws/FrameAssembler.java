package dev.docsync.transport.ws;

import dev.docsync.limits.ByteBudget;
import dev.docsync.transport.ws.WsDecodeException.Kind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins the data frames of one connection into whole binary messages, refusing text messages and
 * anything over the size limit as soon as it is known. A message sent whole (one final frame, as
 * automerge-repo clients send) passes straight through; the fragments of an unfinished one are held
 * against the node's {@link ByteBudget} of unfinished messages (per address and in all), so that
 * sockets that start messages and never finish them cannot pin the heap. Confined to the connection's
 * event loop.
 */
final class FrameAssembler {
  private final int maxMessageBytes;
  private final ByteBudget unfinished;
  private final String address;
  /**
   * The message arriving, copied out of Netty's buffers in pieces below G1's humongous-object size (half
   * a region, 512 KiB at the smallest): a 1 MiB array would take two whole 1 MiB regions. No doubling
   * buffer either: what is held is about what was counted.
   */
  private List<byte[]> fragments;
  private static final int PIECE_BYTES = 256 << 10;
  private long held;
  private boolean skippingText;

  FrameAssembler(int maxMessageBytes, ByteBudget unfinished, String address) {
    this.maxMessageBytes = maxMessageBytes;
    this.unfinished = unfinished;
    this.address = address;
  }

  /** A complete message, or null while one is still arriving (or a text message is being skipped). */
  byte[] accept(WebSocketFrame frame) throws WsDecodeException {
    if (frame.isText()) {
      skippingText = !frame.isFinal();
      throw new WsDecodeException(Kind.TEXT_FRAME, "text frames are not part of the protocol: send binary CBOR");
    }
    if (frame.isContinuation() && skippingText) {
      skippingText = !frame.isFinal();
      return null;
    }
    if (frame.isBinary()) {
      release();
      if (frame.isFinal()) {
        return whole(frame.binaryData());
      }
      fragments = new ArrayList<>();
    } else if (!frame.isContinuation() || fragments == null) {
      return null; // control frames; Netty already refuses orphan continuations
    }
    return append(frame);
  }

  /** Whether a fragmented message has begun and not ended. */
  boolean unfinished() {
    return fragments != null;
  }

  /** Drops the message arriving and gives its bytes back to the budget (at close, or on refusal). */
  void release() {
    fragments = null;
    unfinished.release(address, held);
    held = 0;
  }

  private byte[] whole(Buffer data) throws WsDecodeException {
    if (data.length() > maxMessageBytes) {
      throw tooLarge();
    }
    return data.getBytes();
  }

  private byte[] append(WebSocketFrame frame) throws WsDecodeException {
    Buffer data = frame.binaryData();
    if (held + data.length() > maxMessageBytes) {
      release();
      throw tooLarge();
    }
    String refused = unfinished.tryTake(address, data.length());
    if (refused != null) {
      release();
      throw new WsDecodeException(Kind.UNFINISHED, "fragmented message refused: " + refused);
    }
    held += data.length();
    for (int at = 0; at < data.length(); at += PIECE_BYTES) {
      fragments.add(data.getBytes(at, Math.min(data.length(), at + PIECE_BYTES)));
    }
    return frame.isFinal() ? join() : null;
  }

  private byte[] join() {
    byte[] message = new byte[(int) held];
    int at = 0;
    for (byte[] fragment : fragments) {
      System.arraycopy(fragment, 0, message, at, fragment.length);
      at += fragment.length;
    }
    release();
    return message;
  }

  private WsDecodeException tooLarge() {
    return new WsDecodeException(Kind.TOO_LARGE, "message exceeds " + maxMessageBytes + " bytes");
  }
}
