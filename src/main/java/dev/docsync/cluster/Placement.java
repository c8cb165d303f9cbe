package dev.docsync.cluster;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Rendezvous (highest random weight) hashing of documents over nodes: every node computes the same owner from the
 * same member list, and a member joining or leaving moves only the documents it wins or held. Hand-written (FNV-1a
 * and a SplitMix64 finisher, a dozen lines) rather than a dependency: Hazelcast's hashes are internal API.
 */
public final class Placement {
  private Placement() {}

  /** The node among {@code nodes} (not empty) that ranks {@code docId} highest. */
  public static String owner(String docId, List<String> nodes) {
    long key = hash(docId);
    String best = null;
    long bestScore = 0;
    for (String node : nodes) {
      long score = mix(key ^ hash(node));
      if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
        best = node;
        bestScore = score;
      }
    }
    return best;
  }

  public static long hash(String text) {
    long h = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return mix(h);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
