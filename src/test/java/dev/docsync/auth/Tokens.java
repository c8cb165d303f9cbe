package dev.docsync.auth;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;

/** Mints test tokens the way an operator's identity service would (HS256, {@code docsync} claim). */
public final class Tokens {
  public static final String SECRET = "test-secret-of-at-least-thirty-two-bytes!";
  private final JWTAuth signer;

  public Tokens(Vertx vertx, String secret) {
    signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  /** A negative lifetime gives a token that expired that many seconds ago. */
  public String token(List<String> read, List<String> write, int expiresInSeconds) {
    return token("tester", read, write, expiresInSeconds);
  }

  public String token(String subject, List<String> read, List<String> write, int expiresInSeconds) {
    JsonObject claims = new JsonObject().put("sub", subject)
        .put("exp", System.currentTimeMillis() / 1000 + expiresInSeconds)
        .put("docsync", new JsonObject().put("read", new JsonArray(read)).put("write", new JsonArray(write)));
    return signer.generateToken(claims, new JWTOptions());
  }

  /** A token with exactly these claims (plus iat), valid or not: what an attacker holding the key, or a careless issuer, signs. */
  public String signed(JsonObject claims) {
    return signer.generateToken(claims, new JWTOptions());
  }

  /** An operator's token: {@code "admin": true} at top level, no documents. */
  public String admin(int expiresInSeconds) {
    return signed(new JsonObject().put("sub", "operator").put("admin", true)
        .put("exp", System.currentTimeMillis() / 1000 + expiresInSeconds));
  }

  /** Settings that switch authentication on with {@link #SECRET}. */
  public static JsonObject authOn() {
    return new JsonObject().put("DOCSYNC_AUTH_ENABLED", true).put("DOCSYNC_JWT_SECRET", SECRET);
  }
}
