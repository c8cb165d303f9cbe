package dev.docsync.doc;

import dev.docsync.limits.ChunkScan;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * Hashes of every change a document holds. The 0.0.7 binding has no "do you have this change" call,
 * and the core keeps a change whose dependencies are missing in a hidden queue and applies it when
 * they arrive: a refused change must never reach it, so dependencies are checked here first.
 * About 100 bytes of Java heap per change, and building the set means encoding and hashing the whole
 * history (a quarter of a second for 50,000 changes): so it is built only the first time a dependency
 * is neither a current head nor in the request itself (a writer in step with the document never
 * needs it), and kept up to date from then on.
 */
final class KnownChanges {
  private record Hash(long a, long b, long c, long d) {
    static Hash of(byte[] bytes) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      return new Hash(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong());
    }
  }

  /** Null until built. */
  private Set<Hash> hashes;

  boolean built() {
    return hashes != null;
  }

  /** @param history every change the document holds */
  void build(ChunkScan history) {
    hashes = new HashSet<>();
    addAll(history);
  }

  /** Adds changes the document now holds; nothing before the set is built. */
  void addAll(ChunkScan scan) {
    if (hashes != null) {
      scan.changeList().forEach(c -> hashes.add(Hash.of(c.hash())));
    }
  }

  /**
   * Whether every dependency is a current head, one of the scanned changes themselves, or (once
   * built) held. False may only mean "not known yet": build the set and ask again.
   */
  boolean dependenciesMet(ChunkScan scan, org.automerge.ChangeHash[] heads) {
    Set<Hash> near = hashesOf(scan);
    for (org.automerge.ChangeHash head : heads) {
      near.add(Hash.of(head.getBytes()));
    }
    for (ChunkScan.Change change : scan.changeList()) {
      for (byte[] dep : change.deps()) {
        Hash h = Hash.of(dep);
        if (!near.contains(h) && (hashes == null || !hashes.contains(h))) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether every scanned change is among {@code applied} or (once built) held. */
  boolean allHeld(ChunkScan scan, ChunkScan applied) {
    Set<Hash> now = applied == null ? Set.of() : hashesOf(applied);
    for (ChunkScan.Change change : scan.changeList()) {
      Hash h = Hash.of(change.hash());
      if (!now.contains(h) && (hashes == null || !hashes.contains(h))) {
        return false;
      }
    }
    return true;
  }

  private static Set<Hash> hashesOf(ChunkScan scan) {
    Set<Hash> set = new HashSet<>();
    scan.changeList().forEach(c -> set.add(Hash.of(c.hash())));
    return set;
  }
}
