package dev.docsync.doc;

import dev.docsync.protocol.DocRequest;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The document API as Futures of typed requests: what transports send to the owner of a document (through the
 * router, on this node or another) instead of hand-built JSON. A failure is the owner's {@code ReplyException}
 * with its {@link dev.docsync.protocol.ErrorCode} number.
 */
public final class DocumentClient {
  private final DocumentRouter router;

  public DocumentClient(DocumentRouter router) {
    this.router = router;
  }

  /** The owner's answer to {@code request}. */
  public Future<JsonObject> send(DocRequest request) {
    return send(request, null);
  }

  /** As {@link #send(DocRequest)}, with headers (identity, opener) the owner reads. */
  public Future<JsonObject> send(DocRequest request, DeliveryOptions options) {
    return router.<JsonObject>request(request.api(), request.toJson(), options).map(Message::body);
  }
}
