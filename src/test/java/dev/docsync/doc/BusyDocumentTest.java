package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BusyDocumentTest {
  private static final long MS = 1_000_000L;
  private final BusyDocument busy = new BusyDocument();
  private long now = 5_000 * MS;

  @Test
  void aQuietDocumentIsNeverHeldBack() {
    changes(10, 100); // 10 changes a second, 8 peers: 80 messages a second
    assertThat(busy.intervalNanos(now, 8, 400)).isZero();
  }

  @Test
  void aBusyDocumentSpacesEachPeersMessagesByPeersOverTheBudget() {
    changes(100, 10); // 100 changes a second
    assertThat(busy.intervalNanos(now, 16, 400)).isEqualTo(40 * MS); // 1,600 a second wanted, 400 allowed
    assertThat(busy.intervalNanos(now, 3, 400)).isZero(); // 300 wanted
    assertThat(busy.intervalNanos(now, 64, 400)).isEqualTo(BusyDocument.MAX_INTERVAL_NANOS); // 160 ms, capped
    assertThat(busy.intervalNanos(now, 16, 0)).isZero(); // turned off
  }

  @Test
  void itIsQuietAgainOnceTheChangesSlowDown() {
    changes(100, 10);
    assertThat(busy.intervalNanos(now, 16, 400)).isPositive();
    now += 3_000 * MS; // a pause, then a change: the window that closes holds one change in 3 s
    busy.changeArrived();
    assertThat(busy.intervalNanos(now, 16, 400)).isZero();
  }

  /** A second of {@code count} changes {@code everyMs} apart, each followed by a step. */
  private void changes(int count, long everyMs) {
    busy.intervalNanos(now, 1, 400);
    for (int i = 0; i < count; i++) {
      now += everyMs * MS;
      busy.changeArrived();
      busy.intervalNanos(now, 1, 400);
    }
  }
}
