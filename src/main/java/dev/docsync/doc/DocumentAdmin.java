package dev.docsync.doc;

import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Answers;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.store.StoredDocument;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Operators' requests on {@value Addresses#ADMIN}: LIST the stored documents (a page, with what this node holds of
 * each), DELETE one (routed to its owner). The admin REST routes forward here; bridges never reach this address.
 * Shards answer DESCRIBE (what they hold of some documents) and DELETE of their own documents.
 */
final class DocumentAdmin {
  static final int MAX_PAGE = 1_000;

  private DocumentAdmin() {}

  static void handleOnNode(DocumentService service, Message<Object> message) {
    Future<JsonObject> answer;
    try {
      JsonObject body = message.body() instanceof JsonObject json ? json : new JsonObject();
      answer = switch (body.getString("type", "")) {
        case "LIST" -> list(service, body.getString("after"), body.getInteger("limit", 100));
        case "DELETE" -> service.router().<JsonObject>request(Addresses.ADMIN, body, null).map(Message::body);
        default -> Future.failedFuture(new DocsyncException(ErrorCode.UNKNOWN_TYPE, "admin requests are LIST and DELETE"));
      };
    } catch (ClassCastException | DocsyncException e) {
      answer = Future.failedFuture(e instanceof DocsyncException d ? d
          : new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "after must be a string, limit a number"));
    }
    reply(message, answer);
  }

  static void handleOnShard(DocumentWorkerVerticle shard, Message<Object> message) {
    Future<JsonObject> answer;
    try {
      JsonObject body = message.body() instanceof JsonObject json ? json : new JsonObject();
      answer = switch (body.getString("type", "")) {
        case "DELETE" -> shard.delete(new DocId(DocId.fromUrlOrId(body.getString("docId"))));
        case "DESCRIBE" -> Future.succeededFuture(describe(shard, body.getJsonArray("documents")));
        default -> Future.failedFuture(new DocsyncException(ErrorCode.UNKNOWN_TYPE, "admin requests are LIST and DELETE"));
      };
    } catch (ClassCastException | DocsyncException e) {
      answer = Future.failedFuture(e instanceof DocsyncException d ? d
          : new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "docId must be a string"));
    }
    reply(message, answer);
  }

  private static void reply(Message<Object> message, Future<JsonObject> answer) {
    Answers.answer(message, answer);
  }

  /** A page of stored documents; each shard of this node adds what it holds of its own. */
  private static Future<JsonObject> list(DocumentService service, String after, int limit) {
    int page = Math.max(1, Math.min(limit, MAX_PAGE));
    return service.store().listDocuments(after, page).compose(docs -> {
      Map<Integer, JsonArray> byShard = new HashMap<>();
      for (StoredDocument doc : docs) {
        byShard.computeIfAbsent(service.router().shardOf(doc.docId().value()), i -> new JsonArray()).add(describe(doc));
      }
      List<Future<Message<JsonObject>>> described = new ArrayList<>();
      byShard.forEach((shard, items) -> described.add(service.vertx().eventBus().request(
          Addresses.shard(service.membership().nodeId(), shard),
          new JsonObject().put("type", "DESCRIBE").put("documents", items),
          new DeliveryOptions().addHeader(DocumentRouter.API_HEADER, Addresses.ADMIN))));
      return Future.all(described).map(v -> {
        Map<String, JsonObject> items = new HashMap<>();
        described.forEach(f -> f.result().body().getJsonArray("documents")
            .forEach(item -> items.put(((JsonObject) item).getString("docId"), (JsonObject) item)));
        JsonArray ordered = new JsonArray();
        docs.forEach(doc -> ordered.add(items.get(doc.docId().value())));
        JsonObject reply = new JsonObject().put("documents", ordered);
        if (docs.size() == page) {
          reply.put("next", docs.get(docs.size() - 1).docId().value());
        }
        return reply;
      });
    });
  }

  private static JsonObject describe(StoredDocument doc) {
    return new JsonObject()
        .put("docId", doc.docId().value())
        .put("storedBytes", doc.storedBytes())
        .put("chunks", doc.chunks())
        .put("lastChange", doc.lastChangeMs());
  }

  private static JsonObject describe(DocumentWorkerVerticle shard, JsonArray items) {
    JsonArray described = new JsonArray();
    items.forEach(item -> described.add(shard.describeLoaded(((JsonObject) item).getString("docId"), (JsonObject) item)));
    return new JsonObject().put("documents", described);
  }
}
