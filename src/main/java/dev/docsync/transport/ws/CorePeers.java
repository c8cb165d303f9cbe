package dev.docsync.transport.ws;

import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Base64s;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.Future;
import dev.docsync.doc.DocumentRouter;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/** The core's event-bus peer API (HELLO, SYNC, BYE), as Futures of the reply body. */
public final class CorePeers {
  private final DocumentRouter router;

  public CorePeers(DocumentRouter router) {
    this.router = router;
  }

  /** {@code storageId} null: an ephemeral peer, whose sync state is never stored. */
  /** {@code firstMessage}, if not null, is the peer's first sync message, answered together with the greeting. */
  public Future<JsonObject> hello(String docId, String peerId, String storageId, String address, boolean readOnly,
                                  byte[] firstMessage) {
    JsonObject body = request("HELLO", docId, peerId).put("address", address).put("readOnly", readOnly);
    if (firstMessage != null) {
      body.put("message", Base64s.encode(firstMessage));
    }
    if (storageId == null) {
      body.put("ephemeral", true);
    } else {
      body.put("storageId", storageId);
    }
    return send(body);
  }

  /** Completes once the changes the message carried are durable; the reply holds the heads after it. */
  public Future<JsonObject> sync(String docId, String peerId, byte[] message) {
    return send(request("SYNC", docId, peerId).put("message", Base64s.encode(message)));
  }

  public Future<JsonObject> bye(String docId, String peerId) {
    return send(request("BYE", docId, peerId));
  }

  /** The core's code for a failed request; transport failures (timeout, no handler) count as OVERLOADED. */
  static ErrorCode codeOf(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      return reply.failureType() == ReplyFailure.RECIPIENT_FAILURE ? ErrorCode.of(reply.failureCode()) : ErrorCode.OVERLOADED;
    }
    return ErrorCode.INTERNAL;
  }

  private static JsonObject request(String type, String docId, String peerId) {
    return new JsonObject().put("type", type).put("docId", docId).put("peerId", peerId);
  }

  private Future<JsonObject> send(JsonObject body) {
    return router.<JsonObject>request(Addresses.PEER, body, null).map(Message::body);
  }
}
