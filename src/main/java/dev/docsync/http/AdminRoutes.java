package dev.docsync.http;

import dev.docsync.auth.Grant;
import dev.docsync.auth.TokenVerifier;
import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.DocId;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.docsync.transport.ConnectionInfo;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operators' REST routes, for tokens with {@code "admin": true} (401 without a token, 403 for others):
 * {@code GET /api/docs} (stored documents, paged), {@code DELETE /api/docs/{docId}}, {@code GET /api/connections}. Every action is logged with
 * the token's subject.
 */
final class AdminRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);

  private AdminRoutes() {}

  static void mount(Router router, Vertx vertx, TokenVerifier tokens, PrometheusMeterRegistry metrics,
                    Supplier<List<ConnectionInfo>> connections) {
    router.get("/api/connections").handler(ctx -> HttpApi.authorizeAdmin(ctx, tokens, metrics)).handler(ctx -> {
      Grant grant = ctx.get(HttpApi.GRANT);
      JsonArray list = new JsonArray();
      connections.get().stream().sorted(Comparator.comparingLong(ConnectionInfo::sinceMs)).forEach(c -> list.add(c.toJson()));
      LOG.info("Admin {}: GET /api/connections -> {} connections", grant.subject(), list.size());
      ctx.json(new JsonObject().put("connections", list));
    });
    router.get("/api/docs").handler(ctx -> HttpApi.authorizeAdmin(ctx, tokens, metrics)).handler(ctx -> {
      JsonObject list = new JsonObject().put("type", "LIST").put("after", ctx.request().getParam("after"));
      String limit = ctx.request().getParam("limit");
      if (limit != null) {
        try {
          list.put("limit", Integer.parseInt(limit));
        } catch (NumberFormatException e) {
          ctx.response().setStatusCode(400);
          ctx.json(new JsonObject().put("error", "MALFORMED_MESSAGE").put("message", "limit must be a number"));
          return;
        }
      }
      admin(vertx, ctx, list);
    });
    router.delete("/api/docs/:docId").handler(ctx -> HttpApi.authorizeAdmin(ctx, tokens, metrics)).handler(ctx ->
        admin(vertx, ctx, new JsonObject().put("type", "DELETE").put("docId", DocId.fromUrlOrId(ctx.pathParam("docId")))));
  }

  private static void admin(Vertx vertx, RoutingContext ctx, JsonObject request) {
    Grant grant = ctx.get(HttpApi.GRANT);
    // This node's admin: its LIST says what this node holds; DELETE goes on to the document's owner.
    vertx.eventBus().<JsonObject>request(Addresses.ADMIN, request, new DeliveryOptions().setLocalOnly(true))
        .map(Message::body).onComplete(ar -> {
      LOG.info("Admin {}: {} {} -> {}", grant.subject(), ctx.request().method(), ctx.request().uri().split("\\?")[0],
          ar.succeeded() ? "done" : ar.cause().getMessage());
      if (ar.succeeded()) {
        ctx.json(ar.result());
      } else {
        HttpApi.fail(ctx, ar.cause());
      }
    });
  }
}
