package dev.docsync.auth;

import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * How the transports check a token: always a future, never a throw (callers hold connection slots that
 * only a completed future gives back), and an expired grant is a failure wherever it is checked again.
 */
public final class Verification {
  private Verification() {}

  /** The grant of the request's token (header or query: see {@link BearerToken}); a query it cannot read is a bad token. */
  public static Future<Grant> of(TokenVerifier tokens, HttpServerRequest request) {
    String token;
    try {
      token = BearerToken.of(request);
    } catch (RuntimeException e) {
      return Future.failedFuture(new DocsyncException(ErrorCode.UNAUTHENTICATED, "unreadable token: " + e.getMessage()));
    }
    return of(tokens, token);
  }

  /** The grant of {@code token}; fails with UNAUTHENTICATED for any bad token, even if the verifier throws. */
  public static Future<Grant> of(TokenVerifier tokens, String token) {
    Future<Grant> verified;
    try {
      verified = tokens.verify(token);
    } catch (RuntimeException e) {
      verified = Future.failedFuture(new DocsyncException(ErrorCode.UNAUTHENTICATED, "invalid token: " + e.getMessage()));
    }
    return verified.compose(Verification::unexpired);
  }

  /** The grant while its token has not expired; a cached grant goes through here before each use. */
  public static Future<Grant> unexpired(Grant grant) {
    return grant.expired() ? Future.failedFuture(expired()) : Future.succeededFuture(grant);
  }

  public static DocsyncException expired() {
    return new DocsyncException(ErrorCode.UNAUTHENTICATED, "token expired");
  }
}
