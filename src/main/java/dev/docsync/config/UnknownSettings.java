package dev.docsync.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** DOCSYNC_* names that are no setting (a typo would otherwise be ignored in silence), each with the closest known name. */
public final class UnknownSettings {
  /** Variables of the test suite, not of the service. */
  private static final String TEST_PREFIX = "DOCSYNC_TEST_";

  private UnknownSettings() {}

  /** One warning line per unknown name, e.g. "DOCSYNC_AUTH_ENABLE is not a docsync setting (did you mean DOCSYNC_AUTH_ENABLED?)". */
  public static List<String> warnings(Collection<String> names, Set<String> known) {
    return names.stream()
        .filter(n -> n.startsWith("DOCSYNC_") && !n.startsWith(TEST_PREFIX) && !known.contains(n))
        .sorted()
        .map(n -> n + " is not a docsync setting and is ignored (did you mean " + closest(n, known) + "?)")
        .toList();
  }

  static String closest(String name, Set<String> known) {
    return known.stream().min(Comparator.comparingInt((String k) -> distance(name, k)).thenComparing(k -> k)).orElse("?");
  }

  /** Levenshtein distance, two rows. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
