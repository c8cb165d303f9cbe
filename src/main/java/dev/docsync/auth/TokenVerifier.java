package dev.docsync.auth;

import dev.docsync.limits.LogThrottle;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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
  private static final List<String> TIME_CLAIMS = List.of("exp", "nbf", "iat");
  /** Far above any real token (a few hundred bytes, a few KB with many grants): verification is not free. */
  static final int MAX_TOKEN_CHARS = 16 * 1024;

  private final boolean enabled;
  private final boolean requireExpiry;
  private final JWTAuth jwt;
  private final LogThrottle refusalLog = new LogThrottle(10);

  private TokenVerifier(boolean enabled, boolean requireExpiry, JWTAuth jwt) {
    this.enabled = enabled;
    this.requireExpiry = requireExpiry;
    this.jwt = jwt;
  }

  /** A verifier that lets everyone do everything (authentication off). */
  private static TokenVerifier disabled() {
    LOG.warn("*** AUTHENTICATION IS OFF (DOCSYNC_AUTH_ENABLED=false): anyone who can reach this node can read and "
        + "write every document. Use this for local development only. ***");
    return new TokenVerifier(false, false, null);
  }

  /**
   * A verifier for tokens signed with {@code hmacKey} (HS256; null if none) and/or the settings' public key.
   * Authentication must be on and at least one key given.
   */
  public static TokenVerifier create(Vertx vertx, AuthSettings settings, SigningKey hmacKey) {
    if (!settings.enabled()) {
      return disabled();
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(jwtOptions(settings));
    if (hmacKey != null) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(hmacKey.secret()));
    }
    if (settings.publicKeyPem() != null) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(settings.algorithm()).setBuffer(settings.publicKeyPem()));
    }
    if (options.getPubSecKeys() == null || options.getPubSecKeys().isEmpty()) {
      throw new IllegalStateException("authentication is on but no key verifies tokens");
    }
    return new TokenVerifier(true, settings.requireExpiry(), JWTAuth.create(vertx, options));
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

  /**
   * The grant of a valid token; fails with UNAUTHENTICATED for a missing, malformed, forged or expired one
   * (never throws, whatever the token holds).
   */
  public Future<Grant> verify(String token) {
    if (!enabled) {
      return Future.succeededFuture(Grant.ALL);
    }
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new DocsyncException(ErrorCode.UNAUTHENTICATED, "a token is required"));
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      return refused(new IllegalArgumentException("the token is longer than " + MAX_TOKEN_CHARS + " characters"));
    }
    Future<Grant> grant;
    try {
      // vertx-auth-jwt keeps the whole payload in attributes.accessToken (exp/iat/nbf are not in the principal).
      grant = jwt.authenticate(new TokenCredentials(token))
          .compose(user -> grant(user.attributes().getJsonObject("accessToken", user.principal())));
    } catch (RuntimeException e) {
      grant = Future.failedFuture(e);
    }
    return grant.recover(this::refused);
  }

  private Future<Grant> grant(JsonObject claims) {
    for (String claim : TIME_CLAIMS) {
      if (claims.containsKey(claim) && !(claims.getValue(claim) instanceof Number)) {
        return Future.failedFuture("claim " + claim + " is not a number");
      }
    }
    if (requireExpiry && !claims.containsKey("exp")) {
      return Future.failedFuture("the token has no exp claim (tokens must expire; see DOCSYNC_JWT_REQUIRE_EXP)");
    }
    return Future.succeededFuture(Grant.fromClaims(claims));
  }

  private Future<Grant> refused(Throwable cause) {
    String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    String suffix = refusalLog.admit("token");
    if (suffix != null) {
      LOG.info("Token refused: {}{}", reason, suffix);
    }
    return Future.failedFuture(new DocsyncException(ErrorCode.UNAUTHENTICATED, "invalid token: " + reason));
  }
}
