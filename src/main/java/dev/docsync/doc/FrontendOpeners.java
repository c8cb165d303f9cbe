package dev.docsync.doc;

import java.util.HashMap;
import java.util.Map;

/**
 * How many OPENs of each document each opener (a bridge socket, or in-JVM code; see protocol.Identity)
 * has not CLOSEd yet. The core counts OPENs per document only, so without this a CLOSE from anyone would
 * undo someone else's OPEN (and take the view diffs away from their change events): a CLOSE reaches the
 * document only when its own opener has an OPEN to undo. Kept beside the owners, so it survives unloads.
 * Confined to the worker verticle's event loop.
 */
final class FrontendOpeners {
  private final Map<String, Map<String, Integer>> byDoc = new HashMap<>();

  void opened(String docId, String opener) {
    byDoc.computeIfAbsent(docId, k -> new HashMap<>()).merge(opener, 1, Integer::sum);
  }

  /** Undoes one OPEN of {@code opener}; false (nothing undone) when it has none of this document. */
  boolean closed(String docId, String opener) {
    Map<String, Integer> openers = byDoc.get(docId);
    if (openers == null || !openers.containsKey(opener)) {
      return false;
    }
    openers.computeIfPresent(opener, (k, n) -> n > 1 ? n - 1 : null);
    if (openers.isEmpty()) {
      byDoc.remove(docId);
    }
    return true;
  }

  /** A deleted document: nobody has it open any more. */
  void forget(String docId) {
    byDoc.remove(docId);
  }
}
