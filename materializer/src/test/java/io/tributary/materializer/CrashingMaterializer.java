package io.tributary.materializer;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.message;

import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.log.LogKeys;
import io.tributary.materializer.internal.TestTables;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.WriteCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A node that starts a log and a materializer on {@code args[0]}, writes {@code args[1]} rows of
 * user {@code u} in commands of 5,000, prints {@code READY} once all are applied and waits to be
 * killed; with {@code args[2] = purge}, it then appends a purge of the table and prints {@code
 * READY} while the purge's steps run; with {@code args[2] = stream}, it also writes {@link
 * #STREAM_COMMANDS} commands of {@link #EVENTS_PER_COMMAND} events of u's into the STREAM table
 * chat.typing through stream-events before it prints {@code READY}. Run in a child JVM by {@link
 * MaterializerCrashTest}.
 */
public final class CrashingMaterializer {
  static final int ROWS_PER_COMMAND = 5_000;
  static final int STREAM_COMMANDS = 40;
  static final int EVENTS_PER_COMMAND = 25;

  /** The events expire a day after this: no expiry runs during the test. */
  static final long STREAM_ACCEPTED_AT = System.currentTimeMillis() + 86_400_000L;

  private CrashingMaterializer() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int rows = Integer.parseInt(args[1]);
    Log log = Log.open(LogConfig.embedded(dir.resolve("kafka")).withPartitions(2));
    log.start();
    int commands = rows / ROWS_PER_COMMAND;
    boolean stream = args.length > 2 && args[2].equals("stream");
    CountDownLatch applied = new CountDownLatch(commands + (stream ? STREAM_COMMANDS : 0));
    Materializer materializer =
        Materializer.create(
            log, dir.resolve("streams"), TestTables.catalog(), outcome -> applied.countDown());
    materializer.start();
    for (int c = 0; c < commands; c++) {
      List<byte[]> batch = new ArrayList<>();
      for (int i = 0; i < ROWS_PER_COMMAND; i++) {
        long id = (long) c * ROWS_PER_COMMAND + i;
        batch.add(message(id, id % 10, "user", "message " + id));
      }
      log.writer()
          .append(
              log.topics().userWrites(),
              LogKeys.userKey("u"),
              CommandCodec.encode(new WriteCommand.InsertRows("c" + c, MESSAGES.id(), "u", batch)))
          .get(60, TimeUnit.SECONDS);
    }
    if (stream) {
      for (int c = 0; c < STREAM_COMMANDS; c++) {
        List<byte[]> events = new ArrayList<>();
        for (int i = 0; i < EVENTS_PER_COMMAND; i++) {
          long id = (long) c * EVENTS_PER_COMMAND + i;
          events.add(
              io.tributary.query.command.RowCodec.encode(
                  TestTables.TYPING.types(), new Object[] {id, 1L, "typing " + id}));
        }
        log.writer()
            .append(
                log.topics().streamWrite("u"),
                CommandCodec.encode(
                    new WriteCommand.InsertRows(
                        "s" + c,
                        TestTables.TYPING.id(),
                        "u",
                        events,
                        new WriteCommand.Accepted(STREAM_ACCEPTED_AT, null))))
            .get(60, TimeUnit.SECONDS);
      }
    }
    if (!applied.await(Math.max(120, rows / 2_500), TimeUnit.SECONDS)) {
      throw new IllegalStateException("commands not applied in time");
    }
    if (args.length > 2 && args[2].equals("purge")) {
      // A purge of every row, in steps: the parent kills this node while the steps run.
      for (int p = 0; p < log.topics().partitions(); p++) {
        log.writer()
            .append(
                log.topics().userWrites(),
                p,
                LogKeys.sharedKey(MESSAGES.id()),
                CommandCodec.encode(new WriteCommand.PurgeTable("p" + p, MESSAGES.id(), null)))
            .get(60, TimeUnit.SECONDS);
      }
    }
    System.out.println("READY");
    System.out.flush();
    Thread.currentThread().join();
  }
}
