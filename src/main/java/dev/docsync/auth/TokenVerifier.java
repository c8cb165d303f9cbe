package dev.docsync.auth;

import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Checks JWTs with vertx-auth-jwt (signature, expiry, issuer, audience) and turns them into {@link Grant}s. */
public final class TokenVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);

  private final boolean enabled;
  /** Null while enabled means: no key configured, every token is refused. */
  private final JWTAuth jwt;

  private TokenVerifier(boolean enabled, JWTAuth jwt) {
    this.enabled = enabled;
    this.jwt = jwt;
  }

  public static TokenVerifier create(Vertx vertx, AuthSettings settings) {
    if (!settings.enabled()) {
      LOG.warn("*** AUTHENTICATION IS OFF (DOCSYNC_AUTH_ENABLED=false): anyone who can reach this node can read and "
          + "write every document. Use this for local development only. ***");
      return new TokenVerifier(false, null);
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(jwtOptions(settings));
    if (settings.hmacSecret() != null) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(settings.hmacSecret()));
    }
    if (settings.publicKeyPem() != null) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(settings.algorithm()).setBuffer(settings.publicKeyPem()));
    }
    if (options.getPubSecKeys().isEmpty()) {
      LOG.error("Authentication is on but neither DOCSYNC_JWT_SECRET nor DOCSYNC_JWT_PUBLIC_KEY is set: every client "
          + "will be refused. Set a key, or DOCSYNC_AUTH_ENABLED=false for local development.");
      return new TokenVerifier(true, null);
    }
    return new TokenVerifier(true, JWTAuth.create(vertx, options));
  }

  private static JWTOptions jwtOptions(AuthSettings settings) {
    JWTOptions options = new JWTOptions().setLeeway(5);
    if (settings.issuer() != null) {
      options.setIssuer(settings.issuer());
    }
    if (settings.audience() != null) {
      options.setAudience(List.of(settings.audience()));
    }
    return options;
  }

  public boolean enabled() {
    return enabled;
  }

  /** The grant of a valid token; fails with UNAUTHENTICATED for a missing, malformed, forged or expired one. */
  public Future<Grant> verify(String token) {
    if (!enabled) {
      return Future.succeededFuture(Grant.ALL);
    }
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new DocsyncException(ErrorCode.UNAUTHENTICATED, "a token is required"));
    }
    if (jwt == null) {
      return Future.failedFuture(new DocsyncException(ErrorCode.UNAUTHENTICATED, "no key is configured to verify tokens"));
    }
    return jwt.authenticate(new TokenCredentials(token))
        .map(user -> Grant.fromClaims(user.principal()))
        .recover(e -> Future.failedFuture(new DocsyncException(ErrorCode.UNAUTHENTICATED, "invalid token: " + e.getMessage())));
  }
}
