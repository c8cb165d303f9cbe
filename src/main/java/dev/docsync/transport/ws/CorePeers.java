package dev.docsync.transport.ws;

import dev.docsync.doc.DocumentClient;
import dev.docsync.doc.DocumentRouter;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocRequest;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/** The core's peer API (HELLO, SYNC, BYE), as Futures of the reply body. */
public final class CorePeers {
  private final DocumentClient documents;

  public CorePeers(DocumentRouter router) {
    this.documents = new DocumentClient(router);
  }

  /**
   * {@code storageId} null: an ephemeral peer, whose sync state is never stored. {@code firstMessage}, if not null,
   * is the peer's first sync message, answered together with the greeting.
   */
  public Future<JsonObject> hello(String docId, String peerId, String storageId, String address, boolean readOnly,
                                  byte[] firstMessage) {
    return send(() -> new DocRequest.Hello(new DocId(docId), peerId, storageId, address, readOnly, firstMessage));
  }

  /** Completes once the changes the message carried are durable; the reply holds the heads after it. */
  public Future<JsonObject> sync(String docId, String peerId, byte[] message) {
    return send(() -> new DocRequest.Sync(new DocId(docId), peerId, message));
  }

  public Future<JsonObject> bye(String docId, String peerId) {
    return send(() -> new DocRequest.Bye(new DocId(docId), peerId));
  }

  /** The core's code for a failed request; transport failures (timeout, no handler) count as OVERLOADED. */
  static ErrorCode codeOf(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      return reply.failureType() == ReplyFailure.RECIPIENT_FAILURE ? ErrorCode.of(reply.failureCode()) : ErrorCode.OVERLOADED;
    }
    return failure instanceof DocsyncException refused ? refused.code() : ErrorCode.INTERNAL;
  }

  /** A request that cannot even be made (an invalid docId) fails like one the core refused. */
  private Future<JsonObject> send(Supplier<DocRequest> request) {
    try {
      return documents.send(request.get());
    } catch (DocsyncException e) {
      return Future.failedFuture(e);
    }
  }
}
