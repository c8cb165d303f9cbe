package dev.docsync.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/** The small classes of dev.docsync.limits, on a clock the test moves. */
class LimitClassesTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aTokenBucketStartsFullAndRefillsAtItsRate() {
    TokenBucket bucket = new TokenBucket(10, 5, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(bucket.tryTake(0)).isTrue();
    }
    assertThat(bucket.tryTake(0)).isFalse();
    assertThat(bucket.tryTake(SECOND / 10)).isTrue(); // one token after 100 ms
    assertThat(bucket.tryTake(SECOND / 10)).isFalse();
    assertThat(bucket.tryTake(100 * SECOND)).isTrue(); // never more than its capacity
    for (int i = 0; i < 4; i++) {
      assertThat(bucket.tryTake(100 * SECOND)).isTrue();
    }
    assertThat(bucket.tryTake(100 * SECOND)).isFalse();
  }

  @Test
  void theMessageRateDropsThenClosesAFlooder() {
    AtomicLong now = new AtomicLong();
    MessageRate rate = new MessageRate(10, 10, 50, now::get);
    List<MessageRate.Verdict> verdicts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      verdicts.add(rate.take());
    }
    assertThat(verdicts).containsOnly(MessageRate.Verdict.PASS);
    assertThat(rate.take()).isEqualTo(MessageRate.Verdict.DROP);
    assertThat(rate.notice()).isTrue();
    assertThat(rate.notice()).isFalse(); // at most one notice a second
    now.addAndGet(SECOND);
    assertThat(rate.notice()).isTrue();
    // 50 drops tolerated (the flood bucket), the next one closes
    MessageRate.Verdict last = null;
    int drops = 0;
    while ((last = rate.take()) == MessageRate.Verdict.DROP || last == MessageRate.Verdict.PASS) {
      drops++;
    }
    assertThat(last).isEqualTo(MessageRate.Verdict.CLOSE);
    assertThat(drops).isBetween(49, 60);
  }

  @Test
  void aClientJustOverTheRateIsNeverClosed() {
    AtomicLong now = new AtomicLong();
    MessageRate rate = new MessageRate(100, 100, 1000, now::get);
    // 200 messages a second for a minute: half dropped, never closed (the flood bucket refills 100/s)
    for (int s = 0; s < 60 * 200; s++) {
      now.addAndGet(SECOND / 200);
      assertThat(rate.take()).isNotEqualTo(MessageRate.Verdict.CLOSE);
    }
    assertThat(rate.dropped()).isBetween(5000L, 6500L);
  }

  @Test
  void noLimitMeansEveryMessagePasses() {
    MessageRate rate = LimitSettings.NONE.messageRate();
    for (int i = 0; i < 100_000; i++) {
      assertThat(rate.take()).isEqualTo(MessageRate.Verdict.PASS);
    }
  }

  @Test
  void boundedCountsGiveSlotsBackOnce() {
    BoundedCount count = new BoundedCount(2);
    Slot a = count.tryAcquire();
    Slot b = count.tryAcquire();
    assertThat(count.tryAcquire()).isNull();
    a.release();
    a.release(); // twice: still one place back
    assertThat(count.count()).isEqualTo(1);
    assertThat(count.tryAcquire()).isNotNull();
    assertThat(count.tryAcquire()).isNull();
    b.release();
  }

  @Test
  void connectionsAreCountedPerAddress() {
    ConnectionLimits limits = new ConnectionLimits(2);
    Slot a1 = limits.tryOpen("10.0.0.1");
    Slot a2 = limits.tryOpen("10.0.0.1");
    assertThat(limits.tryOpen("10.0.0.1")).isNull();
    assertThat(limits.tryOpen("10.0.0.2")).isNotNull();
    a1.release();
    a1.release();
    assertThat(limits.openFrom("10.0.0.1")).isEqualTo(1);
    a2.release();
    assertThat(limits.openFrom("10.0.0.1")).isZero();
    assertThat(new ConnectionLimits(0).tryOpen("10.0.0.1")).isSameAs(Slot.NONE);
  }

  @Test
  void logThrottleLetsAFewLinesAMinutePerKeyAndReportsTheRest() {
    LogThrottle throttle = new LogThrottle(2);
    assertThat(throttle.admit("A", 0)).isEmpty();
    assertThat(throttle.admit("A", 1)).isEmpty();
    assertThat(throttle.admit("A", 2)).isNull();
    assertThat(throttle.admit("A", 3)).isNull();
    assertThat(throttle.admit("B", 4)).isEmpty(); // keys are independent
    assertThat(throttle.admit("A", 60_000)).isEqualTo(" (2 similar lines held back before this one)");
    assertThat(throttle.admit("A", 60_001)).isEmpty();
  }

  @Test
  void changeCountReadsHowManyChangesAMessageCarries() {
    Document a = new Document();
    Document b = new Document();
    SyncState sa = new SyncState();
    SyncState sb = new SyncState();
    edit(a, 1);
    byte[] announce = a.generateSyncMessage(sa).orElseThrow(); // heads only: a knows nothing of b yet
    assertThat(SyncMessageCheck.changeCount(announce)).isZero();
    b.receiveSyncMessage(sb, announce);
    for (int round = 0; round < 4; round++) { // until both are quiet
      b.generateSyncMessage(sb).ifPresent(m -> a.receiveSyncMessage(sa, m));
      a.generateSyncMessage(sa).ifPresent(m -> b.receiveSyncMessage(sb, m));
    }
    edit(a, 2);
    edit(a, 3);
    byte[] changes = a.generateSyncMessage(sa).orElseThrow();
    assertThat(SyncMessageCheck.changeCount(changes)).isPositive();
    b.receiveSyncMessage(sb, changes);
    assertThat(SyncMessageCheck.changeCount(b.generateSyncMessage(sb).orElseThrow())).isZero(); // the acknowledgement
    sa.free();
    sb.free();
    a.free();
    b.free();
  }

  private static void edit(Document doc, int i) {
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, "k" + i, i);
      tx.commit();
    }
  }

  @Test
  void realSyncMessagesPassTheCheck() {
    Document a = new Document();
    try (Transaction tx = a.startTransaction()) {
      tx.set(ObjectId.ROOT, "k", "v");
      tx.commit();
    }
    Document b = new Document();
    SyncState sa = new SyncState();
    SyncState sb = new SyncState();
    int checked = 0;
    for (int i = 0; i < 6; i++) {
      Optional<byte[]> ma = a.generateSyncMessage(sa);
      if (ma.isPresent()) {
        assertThat(SyncMessageCheck.problem(ma.get())).isNull();
        b.receiveSyncMessage(sb, ma.get());
        checked++;
      }
      Optional<byte[]> mb = b.generateSyncMessage(sb);
      if (mb.isPresent()) {
        assertThat(SyncMessageCheck.problem(mb.get())).isNull();
        a.receiveSyncMessage(sa, mb.get());
        checked++;
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(3);
    assertThat(SyncMessageCheck.changeCount(new byte[] {0x42})).isEqualTo(-1);
    sa.free();
    sb.free();
    a.free();
    b.free();
  }

  @Test
  void poisonedBloomFiltersAreRefused() {
    // have: lastSync [], bloom {1 entry, 0 bits per entry, 7 probes}: divides by zero in Automerge (JVM abort)
    assertThat(SyncMessageCheck.problem(PoisonMessages.ZERO_BITS)).contains("0 bits");
    // bloom {1 entry, 10 bits, 2^32-1 probes}: Automerge allocates and loops billions of times
    assertThat(SyncMessageCheck.problem(PoisonMessages.BILLIONS_OF_PROBES)).contains("probes");
    // broken before the end of the haves: refused as Automerge would
    assertThat(SyncMessageCheck.problem(new byte[] {0x42, 5})).startsWith("not an Automerge sync message");
    assertThat(SyncMessageCheck.problem(new byte[] {0x41})).startsWith("not an Automerge sync message");
    assertThat(SyncMessageCheck.problem(new byte[] {0x42, (byte) 0x80, 0})).contains("overlong");
    // the empty filter and a filter of 0 entries are fine
    assertThat(SyncMessageCheck.problem(new byte[] {0x42, 0, 0, 1, 0, 0, 0})).isNull();
    assertThat(SyncMessageCheck.problem(new byte[] {0x42, 0, 0, 1, 0, 3, 0, 0, 0, 0})).isNull();
  }
}
