package dev.docsync.transport.bridge;

import dev.docsync.auth.Access;
import dev.docsync.auth.Grant;
import dev.docsync.auth.TokenVerifier;
import dev.docsync.chat.ChatAddresses;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.protocol.Addresses;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import java.util.List;
import java.util.Objects;

/**
 * Who may do what over the bridges. A bridged client sends its token in every frame's headers
 * ({@code eb.defaultHeaders = {authorization: "Bearer <jwt>"}} with eventbus-bridge-client.js);
 * a frame passes only when the token is valid and opens the document it names: read for OPEN, READ,
 * CLOSE, presence, chat history and every subscription, write for LOCAL_CHANGE and chat messages.
 * Presence participant ids and chat authors must be the token's subject.
 */
final class BridgeAuth {
  private static final List<String> PER_DOCUMENT_PREFIXES =
      List.of(Addresses.changes(""), PresenceAddresses.events(""), ChatAddresses.events(""));

  private final TokenVerifier tokens;
  private final Counter failures;

  BridgeAuth(TokenVerifier tokens, Counter failures) {
    this.tokens = tokens;
    this.failures = failures;
  }

  /** Whether the frame may pass; anything but SEND, PUBLISH and REGISTER carries no document and passes. */
  Future<Boolean> permits(BridgeSession session, BridgeEventType type, JsonObject raw) {
    Access needed = type == BridgeEventType.REGISTER ? Access.READ
        : type == BridgeEventType.SEND || type == BridgeEventType.PUBLISH ? request(raw)
        : null;
    if (needed == null) {
      return Future.succeededFuture(true);
    }
    String docId = docId(type, raw);
    return grant(session, token(raw)).map(grant -> {
      Access held = docId == null ? Access.READ : grant.accessTo(docId);
      boolean allowed = (needed == Access.WRITE ? held.canWrite() : held.canRead()) && speaksAsItself(grant, raw);
      if (!allowed) {
        failures.increment();
      }
      return allowed;
    }).recover(e -> {
      failures.increment();
      return Future.succeededFuture(false);
    });
  }

  /** One verification per socket and token, not per frame. */
  private Future<Grant> grant(BridgeSession session, String token) {
    if (session.grant != null && Objects.equals(token, session.token)) {
      return Future.succeededFuture(session.grant);
    }
    return tokens.verify(token).onSuccess(grant -> {
      session.token = token;
      session.grant = grant;
    });
  }

  /**
   * With authentication on, presence participants and chat authors are the token's subject
   * ({@code sub}, or {@code sub/anything} for several tabs of one user): nobody speaks for another.
   */
  private boolean speaksAsItself(Grant grant, JsonObject raw) {
    if (!tokens.enabled() || !(raw.getValue("body") instanceof JsonObject body)) {
      return true;
    }
    String address = raw.getValue("address") instanceof String a ? a : "";
    Object id = PresenceAddresses.REQUESTS.equals(address) ? body.getValue("participantId")
        : ChatAddresses.REQUESTS.equals(address) && "SEND".equals(body.getValue("type")) ? body.getValue("author")
        : grant.subject();
    return id instanceof String s && (s.equals(grant.subject()) || s.startsWith(grant.subject() + "/"));
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
