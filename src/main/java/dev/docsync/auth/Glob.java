package dev.docsync.auth;

import java.util.List;

/**
 * A grant entry: an exact document id, or a pattern where {@code *} matches any run of characters.
 * Matched without regular expressions or backtracking: the literal parts between the stars are found
 * left to right, each at its first place after the previous one (the first place is always the best
 * choice when {@code *} is the only wildcard), so a match costs at most O(id length x pattern length)
 * whatever the pattern. A regex {@code .*-.*-.*} took minutes on a 1,000-character id.
 */
public final class Glob {
  private final String pattern;
  /** The literal parts around the stars; one part means no star. */
  private final List<String> parts;

  private Glob(String pattern) {
    this.pattern = pattern;
    this.parts = List.of(pattern.split("\\*", -1));
  }

  public static Glob of(String pattern) {
    return new Glob(pattern);
  }

  public boolean matches(String text) {
    if (parts.size() == 1) {
      return pattern.equals(text);
    }
    String first = parts.get(0);
    String last = parts.get(parts.size() - 1);
    if (text.length() < first.length() + last.length() || !text.startsWith(first) || !text.endsWith(last)) {
      return false;
    }
    int from = first.length();
    int end = text.length() - last.length();
    for (int i = 1; i < parts.size() - 1; i++) {
      String part = parts.get(i);
      int at = text.indexOf(part, from);
      if (at < 0 || at + part.length() > end) {
        return false;
      }
      from = at + part.length();
    }
    return true;
  }

  public String pattern() {
    return pattern;
  }

  @Override
  public String toString() {
    return pattern;
  }
}
