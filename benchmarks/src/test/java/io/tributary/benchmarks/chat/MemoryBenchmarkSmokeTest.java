package io.tributary.benchmarks.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.benchmarks.chat.MemoryBenchmark.Phase;
import io.tributary.benchmarks.chat.MemoryBenchmark.Storm;
import org.junit.jupiter.api.Test;

/**
 * Runs the memory scenario's first phase with tiny sizes (its server in its own JVM with Native
 * Memory Tracking, as in a real run) and checks what the reconnect storm delivered, not how fast or
 * how much memory: every dropped connection resumed, and every subscription received every row of
 * its room exactly once. The second phase (a fresh server with many idle subscriptions) runs the
 * same code without the storm; it is left to the benchmark.
 */
class MemoryBenchmarkSmokeTest {

  @Test
  void shouldResumeEveryDroppedConnectionWithoutGapOrDuplicate() throws Exception {
    MemoryOptions options =
        MemoryOptions.parse(
            new String[] {
              "--connections=20",
              "--min-subscriptions=2",
              "--max-subscriptions=4",
              "--rooms=12",
              "--big-subscriptions=0",
              "--storm-share=0.25",
              "--storm-seconds=2",
              "--storm-rate=40",
              "--catch-up-timeout=60",
              "--durability=pagecache",
              "--server-jvm-flags=-Xmx512m",
              "--results-dir=none"
            });

    MemoryResult result = MemoryBenchmark.run(options);

    Phase p = result.connections();
    assertThat(p.errors()).isEmpty();
    assertThat(p.connections()).isEqualTo(20);
    assertThat(p.subscriptions()).isBetween(40, 80);
    assertThat(p.after().rssBytes()).isPositive();
    assertThat(p.after().liveHeapBytes()).isPositive();
    assertThat(p.after().nmt("Total")).isPositive();
    assertThat(p.after().nmt("Thread")).isPositive();
    Storm s = p.storm();
    assertThat(s.firstFailure()).isNull();
    assertThat(s.dropped()).isEqualTo(5);
    assertThat(s.resumed()).isEqualTo(5);
    assertThat(s.written()).isEqualTo(80);
    assertThat(s.expected()).isGreaterThanOrEqualTo(s.written());
    assertThat(s.deliveries()).isEqualTo(s.expected());
    assertThat(s.gaps()).isZero();
    assertThat(s.duplicates()).isZero();
    assertThat(s.foreign()).isZero();
    assertThat(s.caughtUp()).isTrue();
    assertThat(result.subscriptions()).isNull();
    assertThat(result.markdown()).contains("Reconnect storm").contains("### Checks");
    assertThat(result.toMap()).containsKeys("phases", "checks");
  }
}
