package io.tributary.log;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A node that starts an embedded log on {@code args[0]}, appends one record to partition 0 of
 * user-writes, prints {@code READY <offset>} and waits to be killed. Run in a child JVM by {@link
 * CrashRestartTest}.
 */
public final class CrashingNode {
  private CrashingNode() {}

  public static void main(String[] args) throws Exception {
    Log log = Log.open(LogConfig.embedded(Path.of(args[0])));
    log.start();
    LogPosition position =
        log.writer()
            .append(log.topics().userWrites(), 0, null, "before-crash".getBytes(UTF_8))
            .get(60, TimeUnit.SECONDS);
    System.out.println("READY " + position.offset());
    System.out.flush();
    Thread.currentThread().join();
  }
}
