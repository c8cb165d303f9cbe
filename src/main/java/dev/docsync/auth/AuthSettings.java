package dev.docsync.auth;

/**
 * How tokens are checked.
 *
 * @param enabled false only for local development: every client may read and write everything
 * @param hmacSecret shared secret for HS256 tokens, or null (then docsync uses its development key, see {@link SigningKey})
 * @param publicKeyPem PEM public key for {@code algorithm} (RS256, ES256, ...), or null
 * @param algorithm algorithm of the public key
 * @param issuer required {@code iss}, or null
 * @param audience required {@code aud}, or null
 * @param requireExpiry refuse tokens without {@code exp}
 */
public record AuthSettings(boolean enabled, String hmacSecret, String publicKeyPem, String algorithm, String issuer,
                           String audience, boolean requireExpiry) {

  /** Neither a secret nor a public key is configured: docsync signs with its own development key. */
  public boolean needsDevelopmentKey() {
    return enabled && hmacSecret == null && publicKeyPem == null;
  }
}
