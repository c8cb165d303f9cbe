package dev.docsync.doc;

import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.store.StoredDocument;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Operators' requests on {@value Addresses#ADMIN}: LIST the stored documents (a page, with what the node
 * holds of each), DELETE one. The admin REST routes forward here; bridges never reach this address.
 */
final class DocumentAdmin {
  static final int MAX_PAGE = 1_000;

  private final DocumentWorkerVerticle worker;

  DocumentAdmin(DocumentWorkerVerticle worker) {
    this.worker = worker;
  }

  void handle(Message<Object> message) {
    Future<JsonObject> answer;
    try {
      JsonObject body = message.body() instanceof JsonObject json ? json : new JsonObject();
      answer = switch (body.getString("type", "")) {
        case "LIST" -> list(body.getString("after"), body.getInteger("limit", 100));
        case "DELETE" -> worker.delete(new DocId(DocId.fromUrlOrId(body.getString("docId"))));
        default -> Future.failedFuture(new DocsyncException(ErrorCode.UNKNOWN_TYPE, "admin requests are LIST and DELETE"));
      };
    } catch (ClassCastException | DocsyncException e) {
      answer = Future.failedFuture(e instanceof DocsyncException d ? d
          : new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "after must be a string, limit a number"));
    }
    answer.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        DocsyncException e = DocsyncException.from(ar.cause());
        message.fail(e.code().code(), e.wireMessage());
      }
    });
  }

  private Future<JsonObject> list(String after, int limit) {
    int page = Math.max(1, Math.min(limit, MAX_PAGE));
    return worker.store().listDocuments(after, page).map(docs -> {
      JsonArray items = new JsonArray();
      docs.forEach(doc -> items.add(describe(doc)));
      JsonObject reply = new JsonObject().put("documents", items);
      if (docs.size() == page) {
        reply.put("next", docs.get(docs.size() - 1).docId().value());
      }
      return reply;
    });
  }

  private JsonObject describe(StoredDocument doc) {
    JsonObject item = new JsonObject()
        .put("docId", doc.docId().value())
        .put("storedBytes", doc.storedBytes())
        .put("chunks", doc.chunks())
        .put("lastChange", doc.lastChangeMs());
    return worker.describeLoaded(doc.docId().value(), item);
  }

  static List<String> types() {
    return List.of("LIST", "DELETE");
  }
}
