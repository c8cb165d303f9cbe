package dev.docsync.doc;

import dev.docsync.limits.ChunkScan;

/**
 * Estimated native memory the Automerge 0.5.7 core holds for a document, from what its changes
 * contain. Measured with glibc's allocator statistics (bytes in use after loading, see
 * NativeMemoryCalibrationTest): ~850-1,900 B per small change, 320-520 B per operation (text
 * characters cost the most), about twice the bytes of large values. The saved size says nothing
 * (2 MB of typed text saves to 5 KB and holds 1 GB), so it is not used.
 */
final class NativeMemory {
  static final long BASE_BYTES = 16 * 1024;
  static final long PER_CHANGE = 1_200;
  static final long PER_OP = 520;
  static final long PER_VALUE_BYTE = 2;

  private NativeMemory() {}

  static long of(ChunkScan scan) {
    return of(scan.changes(), scan.ops(), scan.valueBytes());
  }

  /** Saturates rather than overflow: counts come from untrusted input. */
  static long of(long changes, long ops, long valueBytes) {
    double bytes = (double) changes * PER_CHANGE + (double) ops * PER_OP + (double) valueBytes * PER_VALUE_BYTE;
    return bytes >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) bytes;
  }
}
