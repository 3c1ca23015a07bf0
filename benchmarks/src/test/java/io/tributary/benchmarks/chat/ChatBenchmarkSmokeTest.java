package io.tributary.benchmarks.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.benchmarks.chat.ChatBenchmark.TargetRun;
import org.junit.jupiter.api.Test;

/**
 * Runs the chat scenario with tiny sizes (its servers in their own JVMs, as in a real run) and
 * checks what it delivered, not how fast: in every step, every change reached every member of its
 * conversation exactly once and nobody else, on Tributary and on the raw gRPC ceiling. The
 * PostgreSQL stack (initdb and a relay JVM, seconds each) is left to the benchmark itself; its
 * absence is reported as "baseline not run". One step each and the page-cache mode keep it short.
 */
class ChatBenchmarkSmokeTest {

  @Test
  void shouldDeliverEveryChangeToEveryMemberExactlyOnce() throws Exception {
    ChatOptions options =
        ChatOptions.parse(
            new String[] {
              "--targets=tributary,ceiling",
              "--modes=pagecache",
              "--repetitions=1",
              "--compass=false",
              "--users=12",
              "--conversations=8",
              "--writers=2",
              "--steps=40",
              "--step-seconds=1",
              "--warmup-seconds=0.5",
              "--stop-after-miss=false",
              "--server-jvm-flags=-Xmx512m",
              "--results-dir=none"
            });

    ChatResult result = ChatBenchmark.run(options);

    assertThat(result.runs()).extracting(TargetRun::name).containsExactly("tributary", "ceiling");
    assertThat(result.runs()).extracting(TargetRun::mode).containsExactly("pagecache", "none");
    for (TargetRun run : result.runs()) {
      assertThat(run.skipped()).as(run.name()).isNull();
      assertThat(run.streamErrors()).as(run.name()).isEmpty();
      assertThat(run.steps()).hasSize(1);
      for (StepResult s : run.steps()) {
        String step = run.name() + " at " + s.offeredPerSecond() + "/s";
        assertThat(s.inserts()).as(step).isPositive();
        assertThat(s.failures()).as("%s: %s", step, s.firstFailure()).isZero();
        assertThat(s.expectedDeliveries()).as(step).isGreaterThanOrEqualTo(2 * s.inserts());
        assertThat(s.deliveries()).as(step).isEqualTo(s.expectedDeliveries());
        assertThat(s.missing()).as(step).isZero();
        assertThat(s.duplicates()).as(step).isZero();
        assertThat(s.foreign()).as(step).isZero();
        assertThat(s.latencyMicros().getTotalCount()).as(step).isEqualTo(s.deliveries());
        assertThat(s.exact()).as(step).isTrue();
      }
    }
    assertThat(result.markdown())
        .contains("## Chat")
        .contains("### Checks")
        .contains("baseline not run")
        .contains("vs the raw gRPC ceiling");
    assertThat(result.toMap()).containsKeys("summary", "checks", "latency_distributions", "series");
  }

  /** One-to-one: an assistant (role service) answering each reader AS that reader, USER table. */
  @Test
  void shouldDeliverEveryAnswerToItsUserOnlyInTheOneToOneVariant() throws Exception {
    ChatOptions options =
        ChatOptions.parse(
            new String[] {
              "--variant=direct",
              "--targets=tributary",
              "--modes=fsync",
              "--repetitions=1",
              "--compass=false",
              "--users=10",
              "--writers=2",
              "--steps=20",
              "--step-seconds=1",
              "--warmup-seconds=0",
              "--server-jvm-flags=-Xmx512m",
              "--results-dir=none"
            });

    ChatResult result = ChatBenchmark.run(options);

    TargetRun run = result.run("tributary");
    assertThat(run.streamErrors()).isEmpty();
    StepResult s = run.steps().get(0);
    assertThat(s.failures()).as("failed inserts: %s", s.firstFailure()).isZero();
    assertThat(s.inserts()).isEqualTo(20);
    assertThat(s.expectedDeliveries()).isEqualTo(s.inserts());
    assertThat(s.deliveries()).isEqualTo(s.expectedDeliveries());
    assertThat(s.duplicates() + s.foreign() + s.missing()).isZero();
    assertThat(result.markdown()).contains("one-to-one").contains("baseline not run");
  }
}
