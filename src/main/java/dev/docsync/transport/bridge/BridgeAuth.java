package dev.docsync.transport.bridge;

import dev.docsync.auth.Access;
import dev.docsync.auth.ExpiryTimer;
import dev.docsync.auth.Grant;
import dev.docsync.auth.TokenVerifier;
import dev.docsync.auth.Verification;
import dev.docsync.chat.ChatAddresses;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.protocol.Identity;
import dev.docsync.limits.LogThrottle;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may do what over the bridges. A bridged client sends its token in every frame's headers
 * ({@code eb.defaultHeaders = {authorization: "Bearer <jwt>"}} with eventbus-bridge-client.js);
 * a frame passes only when the token is valid and opens the document it names: read for OPEN, READ,
 * CLOSE, presence, chat history and every subscription, write for LOCAL_CHANGE and chat messages.
 * Presence participant ids and chat authors must be the token's subject. The document id is checked
 * before the token's patterns see it, and the token's expiry on every frame (its grant is cached per socket).
 */
final class BridgeAuth {
  private static final List<String> PER_DOCUMENT_PREFIXES =
      List.of(Addresses.changes(""), PresenceAddresses.events(""), ChatAddresses.events(""));

  private static final Logger LOG = LoggerFactory.getLogger(BridgeAuth.class);
  private static final LogThrottle LOG_LINES = new LogThrottle(20);

  private final Vertx vertx;
  private final TokenVerifier tokens;
  private final Counter failures;
  private final Counter invalidIds;

  BridgeAuth(Vertx vertx, TokenVerifier tokens, Counter failures, Counter invalidIds) {
    this.vertx = vertx;
    this.tokens = tokens;
    this.failures = failures;
    this.invalidIds = invalidIds;
  }

  /**
   * Succeeds (true) when the frame may pass, else fails with why (INVALID_DOC_ID, UNAUTHENTICATED, FORBIDDEN);
   * anything but SEND, PUBLISH and REGISTER carries no document and passes.
   */
  Future<Boolean> permits(BridgeSession session, BridgeEventType type, JsonObject raw) {
    Access needed = type == BridgeEventType.REGISTER ? Access.READ
        : type == BridgeEventType.SEND || type == BridgeEventType.PUBLISH ? request(raw)
        : null;
    if (needed == null) {
      return Future.succeededFuture(true);
    }
    String docId = docId(type, raw);
    if (docId != null && !DocId.valid(docId)) {
      return Future.failedFuture(invalidId(docId));
    }
    return grant(session, token(raw)).compose(grant -> {
      Access held = docId == null ? Access.READ : grant.accessTo(docId);
      if (!(needed == Access.WRITE ? held.canWrite() : held.canRead())) {
        return Future.failedFuture(new DocsyncException(ErrorCode.FORBIDDEN,
            "the token does not allow " + (needed == Access.WRITE ? "writing" : "reading") + (docId == null ? " here" : " document " + docId)));
      }
      return speaksAsItself(grant, raw) ? Future.succeededFuture(true)
          : Future.failedFuture(new DocsyncException(ErrorCode.FORBIDDEN, "identity rule: a participantId or chat author must be"
              + " the token's subject '" + grant.subject() + "' or start with '" + grant.subject() + "/'"));
    }).onFailure(e -> failures.increment());
  }

  private DocsyncException invalidId(String docId) {
    invalidIds.increment();
    String held = LOG_LINES.admit("INVALID_DOC_ID");
    if (held != null) {
      LOG.info("Bridge frame refused: invalid docId of {} characters{}", docId.length(), held);
    }
    return new DocsyncException(ErrorCode.INVALID_DOC_ID,
        "docId must be 1-" + DocId.MAX_LENGTH + " characters of [A-Za-z0-9._:~-] starting with a letter or digit");
  }

  /** One verification per socket and token, not per frame; the expiry of a cached grant is checked each time. */
  private Future<Grant> grant(BridgeSession session, String token) {
    if (session.grant != null && Objects.equals(token, session.token)) {
      return Verification.unexpired(session.grant);
    }
    return Verification.of(tokens, token).onSuccess(grant -> {
      session.token = token;
      session.grant = grant;
      // The socket's subscriptions outlive any frame: at the expiry of its latest token the socket is closed.
      session.expiry.cancel();
      session.expiry = ExpiryTimer.start(vertx, grant, () -> expired(session));
    });
  }

  private void expired(BridgeSession session) {
    if (session.grant != null && session.grant.expired()) {
      failures.increment();
      LOG.debug("Bridge socket {} closed: its token expired", session.id);
      session.onExpiry.run();
    }
  }

  /**
   * With authentication on, presence participants and chat authors are the token's subject
   * ({@code sub}, or {@code sub/anything} for several tabs of one user): nobody speaks for another
   * (protocol.Identity). Requests that name no one (presence LIST, chat HISTORY, frontend) pass.
   */
  private boolean speaksAsItself(Grant grant, JsonObject raw) {
    if (!tokens.enabled() || !(raw.getValue("body") instanceof JsonObject body)) {
      return true;
    }
    String address = raw.getValue("address") instanceof String a ? a : "";
    Object type = body.getValue("type");
    Object id = PresenceAddresses.REQUESTS.equals(address) && !"LIST".equals(type) ? body.getValue("participantId")
        : ChatAddresses.REQUESTS.equals(address) && "SEND".equals(type) ? body.getValue("author")
        : grant.subject();
    return Identity.speaksFor(grant.subject(), id);
  }

  /**
   * The err frame telling the client why its frame was refused: a failure with the code on the request's
   * reply address when it has one (its callback fails with it), else a plain err frame (eb.onerror).
   */
  static JsonObject refusal(JsonObject raw, Throwable cause, String transport) {
    DocsyncException error = DocsyncException.from(cause);
    if (raw != null && raw.getValue("replyAddress") instanceof String replyAddress) {
      return new JsonObject().put("type", "err").put("address", replyAddress).put("failureCode", error.code().code())
          .put("failureType", "RECIPIENT_FAILURE").put("message", error.wireMessage());
    }
    return new JsonObject().put("type", "err").put(ConnectionEvents.TCP.equals(transport) ? "message" : "body", error.wireMessage());
  }

  /** The err frame of a socket closed because its token expired. */
  static JsonObject expiredFrame(String transport) {
    return refusal(null, Verification.expired(), transport);
  }

  private static Access request(JsonObject raw) {
    if (!(raw.getValue("body") instanceof JsonObject body)) {
      return Access.READ;
    }
    String type = body.getValue("type") instanceof String t ? t : "";
    boolean writes = Addresses.FRONTEND.equals(raw.getString("address")) ? "LOCAL_CHANGE".equals(type)
        : ChatAddresses.REQUESTS.equals(raw.getString("address")) && "SEND".equals(type);
    return writes ? Access.WRITE : Access.READ;
  }

  private static String docId(BridgeEventType type, JsonObject raw) {
    if (type != BridgeEventType.REGISTER) {
      return raw.getValue("body") instanceof JsonObject body && body.getValue("docId") instanceof String id ? id : null;
    }
    String address = raw.getValue("address") instanceof String a ? a : "";
    return PER_DOCUMENT_PREFIXES.stream().filter(address::startsWith).findFirst()
        .map(prefix -> address.substring(prefix.length())).orElse(null);
  }

  private static String token(JsonObject raw) {
    Object headers = raw.getValue("headers");
    Object header = headers instanceof JsonObject json
        ? json.getValue("authorization") != null ? json.getValue("authorization") : json.getValue("Authorization") : null;
    String value = header instanceof String s ? s : null;
    return value != null && value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : value;
  }
}
