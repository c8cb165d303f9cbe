package dev.docsync.doc;

import dev.docsync.limits.ChunkScan;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * Hashes of every change a document holds. The 0.0.7 binding has no "do you have this change" call,
 * and the core keeps a change whose dependencies are missing in a hidden queue and applies it when
 * they arrive: a refused change must never reach it, so dependencies are checked here first.
 * About 100 bytes of Java heap per change.
 */
final class KnownChanges {
  private record Hash(long a, long b, long c, long d) {
    static Hash of(byte[] bytes) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      return new Hash(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong());
    }
  }

  private final Set<Hash> hashes = new HashSet<>();

  void addAll(ChunkScan scan) {
    scan.changeList().forEach(c -> hashes.add(Hash.of(c.hash())));
  }

  boolean contains(byte[] hash) {
    return hashes.contains(Hash.of(hash));
  }

  /** Whether every dependency is held already or is one of the scanned changes themselves. */
  boolean dependenciesMet(ChunkScan scan) {
    Set<Hash> own = new HashSet<>();
    scan.changeList().forEach(c -> own.add(Hash.of(c.hash())));
    for (ChunkScan.Change change : scan.changeList()) {
      for (byte[] dep : change.deps()) {
        Hash h = Hash.of(dep);
        if (!hashes.contains(h) && !own.contains(h)) {
          return false;
        }
      }
    }
    return true;
  }
}
