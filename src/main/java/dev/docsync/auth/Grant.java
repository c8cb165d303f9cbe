package dev.docsync.auth;

import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * What a verified token allows: the documents of its {@code docsync} claim,
 * {@code {"read": ["*"], "write": ["notes-*", "4Xz1dqN5LA7dXpKwHEeeakqwYiUR"]}} (exact ids or {@link Glob}
 * patterns where {@code *} matches any run of characters), operator access ({@code "admin": true} at top
 * level: GET /metrics), and until when ({@code exp}; connections that outlive the check at the
 * upgrade or the first frame re-check it).
 *
 * @param expiresAt the token's {@code exp}, or null when it has none
 */
public record Grant(String subject, List<Glob> read, List<Glob> write, boolean admin, Instant expiresAt) {
  /** Most entries in {@code read} or in {@code write}: a token is checked against all of them for every document. */
  public static final int MAX_PATTERNS = 1000;
  /** Longest entry: twice the longest document id leaves room for stars. */
  public static final int MAX_PATTERN_CHARS = 2 * DocId.MAX_LENGTH;

  /** Everything, for a node whose authentication is switched off. */
  public static final Grant ALL = new Grant("anonymous", List.of(Glob.of("*")), List.of(Glob.of("*")), true, null);

  /** The grant of a token whose signature and times were checked; UNAUTHENTICATED when its claims are out of bounds. */
  public static Grant fromClaims(JsonObject claims) {
    JsonObject docs = claims.getValue("docsync") instanceof JsonObject d ? d : new JsonObject();
    return new Grant(claims.getString("sub", "unknown"), patterns(docs.getValue("read"), "read"),
        patterns(docs.getValue("write"), "write"), Boolean.TRUE.equals(claims.getValue("admin")), expiry(claims.getValue("exp")));
  }

  /**
   * Nothing for an id that is not a document id, whatever the patterns (ids are checked before patterns see
   * them), and nothing once the token has expired, wherever the grant is held.
   */
  public Access accessTo(String docId) {
    if (!DocId.valid(docId) || expired()) {
      return Access.NONE;
    }
    if (matches(write, docId)) {
      return Access.WRITE;
    }
    return matches(read, docId) ? Access.READ : Access.NONE;
  }

  public boolean expired() {
    return expiresAt != null && !Instant.now().isBefore(expiresAt);
  }

  private static boolean matches(List<Glob> patterns, String docId) {
    for (Glob pattern : patterns) {
      if (pattern.matches(docId)) {
        return true;
      }
    }
    return false;
  }

  private static List<Glob> patterns(Object value, String name) {
    if (!(value instanceof JsonArray array)) {
      return List.of();
    }
    if (array.size() > MAX_PATTERNS) {
      throw refused("docsync." + name + " has " + array.size() + " entries, more than " + MAX_PATTERNS);
    }
    List<String> entries = array.stream().filter(String.class::isInstance).map(String.class::cast).toList();
    for (String entry : entries) {
      if (entry.length() > MAX_PATTERN_CHARS) {
        throw refused("an entry of docsync." + name + " is longer than " + MAX_PATTERN_CHARS + " characters");
      }
    }
    return entries.stream().map(Glob::of).toList();
  }

  private static Instant expiry(Object exp) {
    if (exp == null) {
      return null;
    }
    if (!(exp instanceof Number seconds)) {
      throw refused("exp is not a number");
    }
    long clamped = Math.max(Instant.MIN.getEpochSecond(), Math.min(Instant.MAX.getEpochSecond(), seconds.longValue()));
    return Instant.ofEpochSecond(clamped);
  }

  private static DocsyncException refused(String detail) {
    return new DocsyncException(ErrorCode.UNAUTHENTICATED, detail);
  }
}
