package dev.docsync.doc;

/**
 * How busy a document is, for coalescing: the changes it takes a second (LOCAL_CHANGEs and sync messages
 * carrying changes), measured over windows of about a second. A document whose changes a second times its
 * peers exceed the budget would send more messages than that: each peer then gets at most one message with
 * changes per {@code peers / budget} seconds (at most {@link #MAX_INTERVAL_NANOS}), carrying everything that
 * changed meanwhile. Every round costs a generate here and a receive there, each O(history) in the Automerge
 * core, so a busy document's CPU follows its rounds; a quiet one is never held back (the interval counts from
 * the last message with changes a peer got).
 */
final class BusyDocument {
  /** The reference server's sync throttle: no busier document waits longer. */
  static final long MAX_INTERVAL_NANOS = 100_000_000L;
  private static final long WINDOW_NANOS = 1_000_000_000L;

  private long windowStart = -1;
  private int changes;
  private double changesPerSecond;

  void changeArrived() {
    changes++;
  }

  /** The interval between two messages with changes to one peer that this step must keep; 0 when not busy. */
  long intervalNanos(long now, int peers, long budgetPerSecond) {
    if (windowStart < 0) {
      windowStart = now;
    }
    long elapsed = now - windowStart;
    if (elapsed >= WINDOW_NANOS) {
      changesPerSecond = changes * 1e9 / elapsed;
      changes = 0;
      windowStart = now;
    }
    if (budgetPerSecond <= 0 || peers < 2 || changesPerSecond * peers <= budgetPerSecond) {
      return 0;
    }
    return Math.min(MAX_INTERVAL_NANOS, peers * 1_000_000_000L / budgetPerSecond);
  }
}
