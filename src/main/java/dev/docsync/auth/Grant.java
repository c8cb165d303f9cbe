package dev.docsync.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The documents a verified token opens, from its {@code docsync} claim:
 * {@code {"read": ["*"], "write": ["notes-*", "4Xz1dqN5LA7dXpKwHEeeakqwYiUR"]}}. Entries are exact ids
 * or patterns where {@code *} matches any run of characters.
 */
public record Grant(String subject, List<Pattern> read, List<Pattern> write) {
  /** Everything, for a node whose authentication is switched off. */
  public static final Grant ALL = new Grant("anonymous", List.of(Pattern.compile(".*")), List.of(Pattern.compile(".*")));

  public static Grant fromClaims(JsonObject claims) {
    JsonObject docs = claims.getValue("docsync") instanceof JsonObject d ? d : new JsonObject();
    return new Grant(claims.getString("sub", "unknown"), patterns(docs.getValue("read")), patterns(docs.getValue("write")));
  }

  public Access accessTo(String docId) {
    if (matches(write, docId)) {
      return Access.WRITE;
    }
    return matches(read, docId) ? Access.READ : Access.NONE;
  }

  private static boolean matches(List<Pattern> patterns, String docId) {
    return patterns.stream().anyMatch(p -> p.matcher(docId).matches());
  }

  private static List<Pattern> patterns(Object value) {
    if (!(value instanceof JsonArray array)) {
      return List.of();
    }
    return array.stream().filter(String.class::isInstance).map(String.class::cast).map(Grant::glob).toList();
  }

  private static Pattern glob(String entry) {
    StringBuilder regex = new StringBuilder();
    for (String part : entry.split("\\*", -1)) {
      if (regex.length() > 0 || entry.startsWith("*")) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.compile(entry.equals("*") ? ".*" : regex.toString());
  }
}
