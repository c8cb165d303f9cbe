package dev.docsync.transport.ws;

import dev.docsync.transport.ws.WsDecodeException.Kind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;

/**
 * Joins the data frames of one connection into whole binary messages, refusing text messages and
 * anything over the size limit as soon as it is known. Confined to the connection's event loop.
 */
final class FrameAssembler {
  private final int maxMessageBytes;
  private Buffer partial;
  private boolean skippingText;

  FrameAssembler(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
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
      partial = Buffer.buffer();
    } else if (!frame.isContinuation() || partial == null) {
      return null; // control frames; Netty already refuses orphan continuations
    }
    return append(frame);
  }

  private byte[] append(WebSocketFrame frame) throws WsDecodeException {
    Buffer data = frame.binaryData();
    if ((long) partial.length() + data.length() > maxMessageBytes) {
      partial = null;
      throw new WsDecodeException(Kind.TOO_LARGE, "message exceeds " + maxMessageBytes + " bytes");
    }
    partial.appendBuffer(data);
    if (!frame.isFinal()) {
      return null;
    }
    byte[] message = partial.getBytes();
    partial = null;
    return message;
  }
}
