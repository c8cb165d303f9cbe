package dev.docsync.http;

import dev.docsync.doc.DocumentClient;
import dev.docsync.doc.DocumentRouter;
import dev.docsync.protocol.DocRequest;
import dev.docsync.auth.Access;
import dev.docsync.auth.Grant;
import dev.docsync.auth.TokenVerifier;
import dev.docsync.auth.Verification;
import dev.docsync.cluster.Membership;
import dev.docsync.limits.LogThrottle;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocsyncException;
import io.vertx.core.http.HttpMethod;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.store.DocumentStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.docsync.transport.ConnectionInfo;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Supplier;
import io.vertx.core.Vertx;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.AllowForwardHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP routes: {@code GET /health}, {@code GET /metrics} (Prometheus), and a small REST face of the frontend API for clients that
 * speak neither the event bus nor WebSocket (curl, scripts, tests that run the service as a process).
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  /** Routing-context key of the verified grant of an admin request. */
  static final String GRANT = "docsync.grant";
  private static final LogThrottle LOG_LINES = new LogThrottle(20);

  private HttpApi() {}

  /**
   * @param metricsPublic GET /metrics without a token even when authentication is on (scrapers on a private network)
   * @param connections this node's client connections (admin route; called on the HTTP server's context)
   * @param membership the cluster as this node sees it (in /health when clustered)
   * @param documents where document requests go (their owner, on this node or another)
   */
  public static Router router(Vertx vertx, DocumentStore store, int maxPayloadBytes, PrometheusMeterRegistry metrics,
                              TokenVerifier tokens, boolean trustForwarded, boolean metricsPublic,
                              Supplier<List<ConnectionInfo>> connections, Membership membership,
                              DocumentRouter documents) {
    Router router = Router.router(vertx);
    if (trustForwarded) {
      // Behind a reverse proxy every client would otherwise share the proxy's address (per-IP limits, logs).
      router.allowForward(AllowForwardHeaders.ALL);
    }
    HealthCheckHandler health = HealthCheckHandler.create(vertx)
        .register("database", 2_000, promise -> store.ping()
            .onSuccess(v -> promise.complete(Status.OK()))
            .onFailure(e -> promise.complete(Status.KO(new JsonObject().put("error", e.getMessage())))))
        .resultMapper(ClusterHealth.mapper(membership));
    router.get("/health").handler(health);
    if (tokens.enabled() && !metricsPublic) {
      router.get("/metrics").handler(ctx -> authorizeAdmin(ctx, tokens, metrics));
    }
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics));
    AdminRoutes.mount(router, vertx, tokens, metrics, connections); // before the per-document check: DELETE is admin only
    router.route("/api/docs/:docId*").handler(ctx -> authorize(ctx, tokens, metrics));
    DocumentClient client = new DocumentClient(documents);
    router.get("/api/docs/:docId").handler(ctx -> frontend(client, ctx, new DocRequest.Open(new DocId(docId(ctx)), true, false)));
    router.post("/api/docs/:docId/changes")
        .handler(BodyHandler.create(false).setBodyLimit(maxPayloadBytes))
        .handler(ctx -> frontend(client, ctx, new DocRequest.LocalChange(new DocId(docId(ctx)),
            ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes(), ctx.request().getHeader("X-Docsync-Origin"))))
        .failureHandler(ctx -> bodyRefused(ctx, metrics, maxPayloadBytes));
    WebApp.mount(router); // the web app at "/" (no token needed for the page itself)
    return router;
  }

  /** A token in "Authorization: Bearer ..." or "?token=" that grants read (GET) or write (POST) on the document. */
  private static void authorize(RoutingContext ctx, TokenVerifier tokens, PrometheusMeterRegistry metrics) {
    String docId = docId(ctx);
    // Before the token and its patterns: an id of any length is refused at the cost of a length check.
    if (!DocId.valid(docId)) {
      rejected(ctx, metrics, new DocsyncException(ErrorCode.INVALID_DOC_ID,
          "docId must be 1-" + DocId.MAX_LENGTH + " characters of [A-Za-z0-9._:~-] starting with a letter or digit"));
      return;
    }
    verify(tokens, ctx).onComplete(ar -> {
      Access access = ar.succeeded() ? ar.result().accessTo(docId) : Access.NONE;
      boolean writing = ctx.request().method() == HttpMethod.POST;
      if (ar.succeeded() && (writing ? access.canWrite() : access.canRead())) {
        ctx.next();
        return;
      }
      Throwable refusal = ar.failed() ? ar.cause()
          : new DocsyncException(ErrorCode.FORBIDDEN, "the token does not allow " + (writing ? "writing" : "reading") + " this document");
      metrics.counter("docsync.auth.failures", "transport", "http").increment();
      fail(ctx, refusal);
    });
  }

  /** The scrape shows the node's traffic and load: for operators, whose tokens carry {@code "admin": true}. */
  static void authorizeAdmin(RoutingContext ctx, TokenVerifier tokens, PrometheusMeterRegistry metrics) {
    verify(tokens, ctx).onComplete(ar -> {
      if (ar.succeeded() && ar.result().admin()) {
        ctx.put(GRANT, ar.result());
        ctx.next();
        return;
      }
      metrics.counter("docsync.auth.failures", "transport", "http").increment();
      fail(ctx, ar.failed() ? ar.cause()
          : new DocsyncException(ErrorCode.FORBIDDEN, ctx.request().path() + " needs a token with \"admin\": true"));
    });
  }

  private static Future<Grant> verify(TokenVerifier tokens, RoutingContext ctx) {
    return Verification.of(tokens, ctx.request());
  }

  /** Bad input from the client: a clear error, counted, logged (within bounds: a client can send many). */
  private static void rejected(RoutingContext ctx, PrometheusMeterRegistry metrics, DocsyncException error) {
    metrics.counter("docsync.rejected.inputs", "reason", error.code().name()).increment();
    String held = LOG_LINES.admit(error.code().name());
    if (held != null) {
      LOG.info("Refused {} {} from {}: {}{}", ctx.request().method(), abbreviate(ctx.request().path()),
          ctx.request().remoteAddress(), error.wireMessage(), held);
    }
    fail(ctx, error);
  }

  /**
   * The body handler fails a request whose body passes the limit with a bare 413 (Vert.x then logged an ERROR with no
   * detail and answered in plain text): the client gets TOO_LARGE like every other refusal, counted and logged.
   */
  private static void bodyRefused(RoutingContext ctx, PrometheusMeterRegistry metrics, int maxPayloadBytes) {
    if (ctx.statusCode() == 413) {
      rejected(ctx, metrics, new DocsyncException(ErrorCode.TOO_LARGE,
          "the body is larger than " + maxPayloadBytes + " bytes (DOCSYNC_MAX_PAYLOAD_BYTES)"));
    } else {
      LOG.warn("{} {} failed", ctx.request().method(), abbreviate(ctx.request().path()), ctx.failure());
      fail(ctx, ctx.failure() != null ? ctx.failure() : new DocsyncException(ErrorCode.INTERNAL, "status " + ctx.statusCode()));
    }
  }

  private static String abbreviate(String text) {
    return text == null || text.length() <= 200 ? text : text.substring(0, 200) + "... (" + text.length() + " characters)";
  }

  /** automerge-repo names documents "automerge:<docId>": a URL pasted from a client means its document. */
  private static String docId(RoutingContext ctx) {
    return DocId.fromUrlOrId(ctx.pathParam("docId"));
  }

  private static void frontend(DocumentClient documents, RoutingContext ctx, DocRequest request) {
    documents.send(request).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.json(ar.result());
      } else {
        fail(ctx, ar.cause());
      }
    });
  }

  static void fail(RoutingContext ctx, Throwable cause) {
    ErrorCode code = ErrorCode.INTERNAL;
    String message = cause.getMessage();
    if (cause instanceof ReplyException reply) {
      code = reply.failureType() == ReplyFailure.RECIPIENT_FAILURE ? ErrorCode.of(reply.failureCode()) : ErrorCode.OVERLOADED;
    } else if (cause instanceof DocsyncException typed) {
      code = typed.code();
      message = typed.wireMessage();
    }
    ctx.response().setStatusCode(code.httpStatus());
    if (code.httpStatus() == 503) {
      // Nothing of the request was acknowledged (NOT_OWNER: the document is moving to another node; OVERLOADED).
      ctx.response().putHeader("Retry-After", "1");
    }
    ctx.json(new JsonObject().put("error", code.name()).put("message", message));
  }
}
