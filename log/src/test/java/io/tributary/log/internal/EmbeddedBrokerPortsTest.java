package io.tributary.log.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart binds the previous start's ports when they are free, waiting a little for a port that a
 * short-lived connection holds, and takes new ports (with a warning) when one stays taken.
 */
class EmbeddedBrokerPortsTest {
  @TempDir Path dir;

  @Test
  void shouldReuseThePreviousPortsWhenTheyAreFree() throws Exception {
    int[] free = freePorts();
    writePortsFile(free[0], free[1]);
    FakeTime time = new FakeTime();

    int[] ports = new EmbeddedBroker(dir, Map.of(), time).previousPortsIfFree();

    assertThat(ports).containsExactly(free[0], free[1]);
    assertThat(time.milliseconds()).isZero();
  }

  @Test
  void shouldTakeNewPortsWhenAPreviousPortStaysTaken() throws Exception {
    int[] free = freePorts();
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(EmbeddedBroker.HOST, 0));
      writePortsFile(taken.getLocalPort(), free[1]);
      FakeTime time = new FakeTime();

      int[] ports = new EmbeddedBroker(dir, Map.of(), time).previousPortsIfFree();

      assertThat(ports).isNull();
      assertThat(time.milliseconds())
          .isGreaterThanOrEqualTo(EmbeddedBroker.PORT_REUSE_WAIT.toMillis());
    }
  }

  @Test
  void shouldTakeNewPortsWithoutWaitingWhenThereIsNoPortsFile() {
    FakeTime time = new FakeTime();

    assertThat(new EmbeddedBroker(dir, Map.of(), time).previousPortsIfFree()).isNull();
    assertThat(time.milliseconds()).isZero();
  }

  private void writePortsFile(int broker, int controller) throws Exception {
    Files.writeString(
        dir.resolve(EmbeddedBroker.PORTS_FILE),
        broker + " " + controller + "\n",
        StandardCharsets.US_ASCII);
  }

  private static int[] freePorts() throws Exception {
    try (ServerSocket a = new ServerSocket();
        ServerSocket b = new ServerSocket()) {
      a.bind(new InetSocketAddress(EmbeddedBroker.HOST, 0));
      b.bind(new InetSocketAddress(EmbeddedBroker.HOST, 0));
      return new int[] {a.getLocalPort(), b.getLocalPort()};
    }
  }

  /** A clock that only moves when slept on. */
  private static final class FakeTime implements Time {
    private long millis;

    @Override
    public long milliseconds() {
      return millis;
    }

    @Override
    public long nanoseconds() {
      return millis * 1_000_000;
    }

    @Override
    public void sleep(long ms) {
      millis += ms;
    }

    @Override
    public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) {
      throw new UnsupportedOperationException("not used by the port check");
    }
  }
}
