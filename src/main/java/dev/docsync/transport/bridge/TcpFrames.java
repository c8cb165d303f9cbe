package dev.docsync.transport.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Cuts a TCP bridge client's byte stream into whole frames (4-byte big-endian length, then that many
 * bytes of JSON) and checks each before the bridge sees it. The bridge's own parser
 * (vertx-tcp-eventbus-bridge 5.0.7) loses its place in the stream for good when handling a frame throws:
 * a {@code type} it does not know ("SEND", a number, none), an {@code address} that is not a string, ...
 * after which every later frame of the socket is misread and the socket hangs. Such a frame is
 * replaced by a {@link #REFUSED} send that docsync's bridge hook turns into an err frame for the
 * client, in order. Confined to the socket's event loop.
 */
final class TcpFrames {
  /** Address of the stand-in for a malformed frame: refused by docsync's hook with the body as the reason. */
  static final String REFUSED = "docsync.bridge.malformed";
  private static final Set<String> TYPES = Set.of("send", "publish", "register", "unregister", "ping");

  private final int maxFrameBytes;
  private Buffer pending = Buffer.buffer();
  private int offset;

  TcpFrames(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * The whole frames this chunk completes, each checked (or replaced), ready for the bridge; null once a
   * frame announces more than the limit (the stream is then unusable).
   */
  List<Buffer> accept(Buffer chunk) {
    pending.appendBuffer(chunk);
    List<Buffer> frames = new ArrayList<>(1);
    while (pending.length() - offset >= 4) {
      int length = pending.getInt(offset);
      if (length < 0 || length > maxFrameBytes) {
        return null;
      }
      if (pending.length() - offset - 4 < length) {
        break; // announced, not all here yet
      }
      frames.add(checked(pending.getBuffer(offset, offset + 4 + length), length));
      offset += 4 + length;
    }
    if (offset == pending.length()) {
      pending = Buffer.buffer();
      offset = 0;
    } else if (offset > 65_536 && offset > pending.length() / 2) {
      pending = pending.getBuffer(offset, pending.length());
      offset = 0;
    }
    return frames;
  }

  /** The frame itself when the bridge can handle it, else the stand-in saying why. */
  private static Buffer checked(Buffer frame, int length) {
    Object json;
    try {
      json = Json.decodeValue(frame.getString(4, 4 + length, StandardCharsets.UTF_8.name()));
    } catch (DecodeException e) {
      return refusal("not JSON", null);
    }
    if (!(json instanceof JsonObject message)) {
      return refusal("a frame must be a JSON object", null);
    }
    Object replyAddress = message.getValue("replyAddress");
    String reply = replyAddress instanceof String s ? s : null;
    if (!(message.getValue("type") instanceof String type) || !TYPES.contains(type)) {
      return refusal("type must be one of send, publish, register, unregister, ping", reply);
    }
    if (!"ping".equals(type) && !(message.getValue("address") instanceof String)) {
      return refusal("address must be a string", reply);
    }
    if (!BridgePermissions.wellFormed(message)) {
      return refusal("headers must map header names to strings (the token), replyAddress must be a string", reply);
    }
    return frame;
  }

  private static Buffer refusal(String reason, String replyAddress) {
    JsonObject standIn = new JsonObject().put("type", "send").put("address", REFUSED)
        .put("body", "MALFORMED_MESSAGE: " + reason);
    if (replyAddress != null) {
      standIn.put("replyAddress", replyAddress);
    }
    return TcpBridge.frame(standIn);
  }
}
