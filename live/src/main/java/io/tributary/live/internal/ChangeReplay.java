package io.tributary.live.internal;

import io.tributary.live.TimeSource;
import io.tributary.log.Log;
import io.tributary.log.LogReader;
import io.tributary.log.LogRecord;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads back, from the {@code changes} topic, the changes of one key range between two {@code _seq}
 * values: what a resuming subscriber missed. Reads with {@code read_committed}, so it waits for the
 * materializer's transaction that holds the high-water mark to commit (bounded by a timeout).
 *
 * <p>It scans the range's partition from the start: resume costs grow with the partition until the
 * log is truncated behind the cold tier.
 *
 * <p>A replayed change is the one delivered live: its old row carries the {@code _seq} of the
 * version it replaced, which the change record holds. (Records written before change records held
 * it give -1 there.)
 */
final class ChangeReplay {
  private final Log log;
  private final Duration timeout;
  private final TimeSource time;

  ChangeReplay(Log log, Duration timeout, TimeSource time) {
    this.log = log;
    this.timeout = timeout;
    this.time = time;
  }

  /** Fails with RESUME_POSITION_LOST when the write log no longer holds {@code fromSeq}. */
  void check(TableDef table, String owner, long fromSeq) {
    try (LogReader reader = log.openReader(writeTopic(table), partition(table, owner))) {
      long begin = reader.beginningOffset(timeout);
      if ((fromSeq >>> 16) < begin) {
        throw lost(table, fromSeq);
      }
    }
  }

  /**
   * Whether a replayed change of a STREAM table concerns an event that expired meanwhile, which a
   * resume must not show (an expired event never appears after its expiry, DESIGN.md; live
   * subscribers got it while it lived): its insert, and the delete (the expiry's or a user's) of an
   * event whose insert was hidden. An event expires at its accept time plus the table's TTL; the
   * change record carries its command's time. {@code expired} collects the hidden events' _seq.
   */
  private boolean hidesExpired(TableDef table, RowChange c, LogRecord r, Set<Long> expired) {
    if (table.kind() != TableKind.STREAM || table.ttlMillis() <= 0) {
      return false;
    }
    boolean newExpired =
        c.newRow() != null
            && r.timestampMillis() >= 0
            && r.timestampMillis() <= time.millis() - table.ttlMillis();
    boolean oldHidden = c.oldRow() != null && expired.contains(c.oldSeq());
    if (newExpired) {
      expired.add(c.seq());
    }
    return switch (c.kind()) {
      case INSERT -> newExpired;
      case DELETE -> oldHidden;
      default -> newExpired && oldHidden;
    };
  }

  private static TributaryException lost(TableDef table, long fromSeq) {
    return TributaryException.of(
        ErrorCode.RESUME_POSITION_LOST,
        "Cannot resume subscription to %s from _seq %d: the log no longer holds that position;"
            + " subscribe again without from_seq to take a new snapshot",
        table.qualifiedName(),
        fromSeq);
  }

  /**
   * Hands over, in order, the range's changes with {@code fromSeq < _seq <= toSeq}. The changes
   * topic keeps the broker's default retention, like the write topics; a STREAM table whose TTL
   * (and so stream-events' retention) is longer than that can pass {@link #check} with changes
   * already gone from {@code changes} (known limit, docs/operations.md).
   */
  void replay(TableDef table, String owner, long fromSeq, long toSeq, Consumer<AppliedChange> out) {
    int partition = partition(table, owner);
    long deadline = time.nanoTime() + timeout.toNanos();
    int width = table.columns().size() + 1;
    try (LogReader reader = log.openReader(log.topics().changes(), partition)) {
      Set<Long> expired = new HashSet<>();
      while (true) {
        for (LogRecord r : reader.poll(Duration.ofMillis(100))) {
          RowChange c = CommandCodec.decodeChange(r.value());
          if (c.tableId() != table.id()
              || !Objects.equals(c.owner(), changeOwner(table, owner))
              || c.seq() <= fromSeq) {
            continue;
          }
          if (c.seq() > toSeq) {
            return;
          }
          if (hidesExpired(table, c, r, expired)) {
            if (c.seq() == toSeq) {
              return;
            }
            continue;
          }
          out.accept(
              new AppliedChange(
                  c.kind(),
                  table,
                  c.owner(),
                  c.seq(),
                  decode(table, c.oldRow(), width, c.oldSeq()),
                  decode(table, c.newRow(), width, c.seq()),
                  partition));
          if (c.seq() == toSeq) {
            return;
          }
        }
        if (time.nanoTime() - deadline > 0) {
          throw TributaryException.of(
              ErrorCode.UNAVAILABLE,
              "Cannot resume subscription to %s: the change log did not reach _seq %d within %s",
              table.qualifiedName(),
              toSeq,
              timeout);
        }
      }
    }
  }

  private static Object[] decode(TableDef table, byte[] bytes, int width, long seq) {
    if (bytes == null) {
      return null;
    }
    Object[] row = RowCodec.decode(table.types(), bytes, width);
    row[width - 1] = seq;
    return row;
  }

  /**
   * The topic whose offsets the range's {@code _seq} values count: a STREAM table's rows have the
   * {@code _seq} of their stream-events offset.
   */
  private String writeTopic(TableDef table) {
    return switch (table.kind()) {
      case SHARED -> log.topics().sharedWrites();
      case STREAM -> log.topics().streamEvents();
      default -> log.topics().userWrites();
    };
  }

  /**
   * The partition of the range's commands, and so of its changes (co-partitioned; a STREAM table's
   * commands go to the stream-events partition with the number of the owner's user-writes one).
   * {@code owner} is the range as {@link io.tributary.query.live.LiveQuery#range()} names it: for a
   * SHARED table with a partition key, the key value's text.
   */
  private int partition(TableDef table, String owner) {
    return table.kind() == TableKind.SHARED
        ? log.topics().sharedWrite(table.id(), owner).partition()
        : log.topics().userWrite(owner).partition();
  }

  /** The owner the range's changes carry: none for a SHARED table. */
  private static String changeOwner(TableDef table, String range) {
    return table.kind() == TableKind.SHARED ? null : range;
  }
}
