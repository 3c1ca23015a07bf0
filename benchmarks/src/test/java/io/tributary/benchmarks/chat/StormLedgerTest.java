package io.tributary.benchmarks.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The reconnect storm's check itself: gaps, duplicates and rows of other rooms are caught. */
class StormLedgerTest {

  @Test
  void shouldCountGapsDuplicatesAndOtherRoomsAndTheResumePosition() {
    StormLedger ledger = new StormLedger(List.of(new int[] {1, 2}, new int[] {2}), 100);
    ledger.written(1, 10);
    ledger.written(2, 11);
    ledger.written(2, 12);

    ledger.received(0, 1, 10, 200);
    ledger.received(0, 2, 11, 300);
    ledger.received(0, 2, 11, 300); // a duplicate
    ledger.received(1, 2, 12, 400); // connection 1 misses row 11: a gap
    ledger.received(1, 1, 10, 200); // connection 1 does not follow room 1

    assertThat(ledger.expected()).isEqualTo(5);
    assertThat(ledger.deliveries()).isEqualTo(3);
    assertThat(ledger.duplicates()).isEqualTo(1);
    assertThat(ledger.foreign()).isEqualTo(1);
    assertThat(ledger.gaps()).isEqualTo(2); // row 12 for connection 0, row 11 for connection 1
    assertThat(ledger.resumeSeq(0, 2)).isEqualTo(300);
    assertThat(ledger.resumeSeq(1, 2)).isEqualTo(400);
    assertThat(ledger.resumeSeq(0, 1)).isEqualTo(200);
  }

  @Test
  void shouldResumeFromTheStartPositionWhenNothingWasReceived() {
    StormLedger ledger = new StormLedger(List.<int[]>of(new int[] {7}), 42);

    assertThat(ledger.resumeSeq(0, 7)).isEqualTo(42);
    assertThat(ledger.gaps()).isZero();
  }

  @Test
  void shouldReadNativeMemoryTrackingsCommittedBytes() {
    var nmt =
        ServerMemory.parseNmt(
            List.of(
                "Native Memory Tracking:",
                "Total: reserved=5830498KB, committed=459762KB",
                "-                 Java Heap (reserved=4194304KB, committed=262144KB)",
                "                            (mmap: reserved=4194304KB, committed=262144KB)",
                "-                    Thread (reserved=60000KB, committed=5000KB)",
                "-                     Other (reserved=1024KB, committed=1024KB)"));

    assertThat(nmt.get("Total")).isEqualTo(459762L * 1024);
    assertThat(nmt.get("Java Heap")).isEqualTo(262144L * 1024);
    assertThat(nmt.get("Thread")).isEqualTo(5000L * 1024);
    assertThat(nmt.get("Other")).isEqualTo(1024L * 1024);
  }
}
