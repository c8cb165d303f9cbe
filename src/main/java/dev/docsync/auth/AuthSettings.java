package dev.docsync.auth;

/**
 * How tokens are checked.
 *
 * @param enabled false only for local development: every client may read and write everything
 * @param hmacSecret shared secret for HS256 tokens, or null
 * @param publicKeyPem PEM public key for {@code algorithm} (RS256, ES256, ...), or null
 * @param algorithm algorithm of the public key
 * @param issuer required {@code iss}, or null
 * @param audience required {@code aud}, or null
 */
public record AuthSettings(boolean enabled, String hmacSecret, String publicKeyPem, String algorithm, String issuer,
                           String audience) {}
