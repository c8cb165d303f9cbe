package dev.docsync.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One measurement window. Only changes committed inside [windowStart, windowEnd) count; each counts
 * once per other client of its document: its propagation time is from the local commit to the moment
 * the receiving client's replica holds it (read after receiveSyncMessage). Thread-safe.
 */
final class Step {
  final long windowStart;
  final long windowEnd;
  /** Arrivals later than this after the window count as not sustained. */
  final long graceEnd;
  private final Recorder latencyMicros = new Recorder(3);
  final LongAdder committed = new LongAdder();
  final LongAdder expected = new LongAdder();
  final LongAdder arrived = new LongAdder();
  final LongAdder arrivedInGrace = new LongAdder();
  final LongAdder missing = new LongAdder();
  final LongAdder unknownCommitTime = new LongAdder();
  /** The generator's own Automerge work inside the window: what each simulated client pays per message. */
  final LongAdder receives = new LongAdder();
  final LongAdder receiveNanos = new LongAdder();
  final LongAdder generates = new LongAdder();
  final LongAdder generateNanos = new LongAdder();
  private Histogram latency;

  Step(long windowStart, long windowEnd, long graceNanos) {
    this.windowStart = windowStart;
    this.windowEnd = windowEnd;
    this.graceEnd = windowEnd + graceNanos;
  }

  boolean inWindow(long t) {
    return t >= windowStart && t < windowEnd;
  }

  void committed(long t, int receivers) {
    if (inWindow(t)) {
      committed.increment();
      expected.add(receivers);
    }
  }

  void arrived(long committedAt, long now) {
    if (!inWindow(committedAt)) {
      return;
    }
    latencyMicros.recordValue(Math.max(0, (now - committedAt) / 1000));
    arrived.increment();
    if (now <= graceEnd) {
      arrivedInGrace.increment();
    }
  }

  void received(long startedAt, long now) {
    if (inWindow(startedAt)) {
      receives.increment();
      receiveNanos.add(now - startedAt);
    }
  }

  void generated(long startedAt, long now) {
    if (inWindow(startedAt)) {
      generates.increment();
      generateNanos.add(now - startedAt);
    }
  }

  /** Never arrived by the end of the drain: counted with the time waited so far (a lower bound). */
  void missing(long committedAt, long now) {
    if (inWindow(committedAt)) {
      latencyMicros.recordValue(Math.max(0, (now - committedAt) / 1000));
      missing.increment();
    }
  }

  boolean drained() {
    return arrived.sum() >= expected.sum();
  }

  synchronized Histogram histogram() {
    if (latency == null) {
      latency = latencyMicros.getIntervalHistogram();
    }
    return latency;
  }

  double windowSeconds() {
    return (windowEnd - windowStart) / 1e9;
  }

  static double ms(long micros) {
    return micros / 1000.0;
  }

  static long nanos(double seconds) {
    return (long) (seconds * TimeUnit.SECONDS.toNanos(1));
  }
}
