package io.tributary.materializer;

import io.tributary.log.Log;
import io.tributary.materializer.internal.MaterializerImpl;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.HotTier;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Applies the write commands of the log to per-user state and serves that state as the hot tier
 * (DESIGN.md sections 3 and 4).
 *
 * <p>A Kafka Streams application reads {@code user-writes} and {@code shared-writes}, applies each
 * command deterministically to a RocksDB store ({@code user-rows}, {@code shared-rows}), writes the
 * resulting row changes to {@code changes} under the command's record key (so a change lands in the
 * same partition number as its command) and reports each command's outcome to an {@link
 * ApplyListener}. It runs with {@code exactly_once_v2}: the store, the changes and the input
 * offsets commit together.
 *
 * <p>Lifecycle: {@link State}. {@link #start()} once; {@link #close()} at any time (idempotent).
 *
 * <p>Reads: {@link #scan}, {@link #snapshot}, {@link #open} and {@link #highWater} may be called
 * from any thread while running. It reads RocksDB directly (no record cache), so it sees every
 * command whose outcome the listener has already received (read your writes). It may also see the
 * effects of a Streams transaction that is later aborted; recovery then re-applies the same
 * commands at the same offsets, which re-creates exactly that state with the same {@code _seq}
 * values (DESIGN.md section 3, determinism). {@link #snapshot} and {@link #open} read a range's
 * rows and its watermark entry (the {@code _seq} of the range's last change, written in the same
 * atomic batch as the rows) through one RocksDB iterator, that is from one point-in-time view, so
 * the two agree; a cursor from {@link #open} keeps that view until it is closed (and pins the
 * store's memtables and files meanwhile: close it promptly). A cursor open when the materializer
 * closes or its store migrates fails its next read with UNAVAILABLE.
 */
public interface Materializer extends AutoCloseable, HotTier {

  /**
   * Kafka Streams' {@code application.id}: the consumer group every running materializer is a
   * member of, and the prefix of its changelog topics. Several materializers on one cluster would
   * split the write partitions between them.
   */
  String APPLICATION_ID = "tributary-materializer";

  /**
   * Creates a materializer over the topics of {@code log}; nothing runs until {@link #start()}.
   *
   * @param log the started log whose topics and client settings are used
   * @param stateDir Kafka Streams' {@code state.dir} (for example {@code dataDir/streams}); the
   *     stores persist there across restarts
   * @param catalog resolves the table ids of commands; must already hold every table whose commands
   *     will be applied (a command for an unknown table is refused as dropped)
   * @param listener receives every command's outcome (see {@link ApplyListener} for its threading)
   */
  static Materializer create(Log log, Path stateDir, Catalog catalog, ApplyListener listener) {
    return create(log, stateDir, catalog, listener, ChangeListener.NONE);
  }

  /**
   * Like {@link #create(Log, Path, Catalog, ApplyListener)}, and hands the decoded row changes of
   * every command that changed rows to {@code changes} (DESIGN.md section 3, low-latency live
   * delivery), on the stream thread right after they were written to the store and before {@code
   * listener} hears the command's outcome. An exception from {@code changes} is logged and
   * otherwise ignored.
   *
   * @param changes receives applied changes (see {@link ChangeListener} for its threading and
   *     repeated deliveries); {@link ChangeListener#NONE} for none
   */
  static Materializer create(
      Log log, Path stateDir, Catalog catalog, ApplyListener listener, ChangeListener changes) {
    return new MaterializerImpl(log, stateDir, catalog, listener, changes, Clock.systemUTC());
  }

  /**
   * Like {@link #create(Log, Path, Catalog, ApplyListener, ChangeListener)}, with the clock that
   * decides when STREAM events expire (TTL_SECONDS): reads hide an event once this clock passes its
   * expiry, and the materializer removes it soon after. Tests pass a clock they advance.
   */
  static Materializer create(
      Log log,
      Path stateDir,
      Catalog catalog,
      ApplyListener listener,
      ChangeListener changes,
      Clock clock) {
    return new MaterializerImpl(log, stateDir, catalog, listener, changes, clock);
  }

  /**
   * This node's static member id in the materializer's consumer group ({@code group.instance.id}):
   * created on first use and kept in {@code stateDir}, so it is the same across restarts and
   * differs between nodes. A node restarting after a crash joins under it and takes its dead
   * predecessor's place at once, instead of waiting for that member's session to time out.
   *
   * @throws io.tributary.query.TributaryException UNAVAILABLE when the file cannot be read or made
   */
  static String instanceId(Path stateDir) {
    return MaterializerImpl.instanceId(stateDir);
  }

  /**
   * Starts Kafka Streams and blocks until it is RUNNING (stores restored, partitions assigned).
   *
   * @throws io.tributary.query.TributaryException UNAVAILABLE when Streams does not reach RUNNING
   *     within the bounded start wait, or fails while starting; the materializer is then FAILED
   * @throws IllegalStateException when not NEW
   */
  void start();

  /**
   * How many entries of the hot stores belong to {@code table}, over every partition: its rows
   * (including STREAM events that expired but are not removed yet), its ranges' watermarks and its
   * expiry index entries. Reads every entry: for tests and benchmarks, not for serving.
   */
  long storeEntries(TableDef table);

  /** The current lifecycle state. */
  State state();

  /**
   * How many changelog records the stores restored since {@link #start()}: after a clean stop or a
   * crash only the tail the stores had not committed, never the whole state (DESIGN.md section 3,
   * recovery).
   */
  long restoredRecords();

  /**
   * Whether the materializer is applying the log, and if not why. A RUNNING materializer is not
   * applying when its stream thread has not polled the log for {@code maxStall} (it is stuck in a
   * command), when commands wait while none was applied for {@code maxStall}, when Kafka Streams
   * has been rebalancing for {@code maxStall}, or when it rebalanced {@value
   * #MAX_REBALANCES_PER_WINDOW} times within the last two minutes (for example a producer fenced in
   * a loop). Cheap: reads counters and Kafka client metrics, no I/O. Any thread.
   */
  Health health(java.time.Duration maxStall);

  /** How many rebalances within two minutes {@link #health} takes for a loop. */
  int MAX_REBALANCES_PER_WINDOW = 3;

  /**
   * The materializer's health.
   *
   * @param reason why it is not applying, null when it is
   */
  record Health(boolean applying, String reason) {
    public static final Health OK = new Health(true, null);

    public static Health notApplying(String reason) {
      return new Health(false, reason);
    }
  }

  /**
   * Stops Kafka Streams, leaving the consumer group so that a restart is not delayed by the session
   * timeout, and closes the stores. Idempotent; never throws for a stopped materializer.
   */
  @Override
  void close();

  /**
   * The lifecycle of a materializer. An illegal transition throws {@link IllegalStateException}
   * naming both states.
   *
   * <ul>
   *   <li>NEW: created. Next: STARTING ({@link #start()}), STOPPING ({@link #close()}).
   *   <li>STARTING: Kafka Streams is starting. Next: RUNNING, FAILED, STOPPING.
   *   <li>RUNNING: commands are applied and {@link #scan} reads; stays RUNNING while Kafka Streams
   *       rebalances. Next: STOPPING, FAILED (Kafka Streams stopped with an error).
   *   <li>FAILED: start failed or Kafka Streams died; only {@link #close()} helps. Next: STOPPING.
   *   <li>STOPPING: {@link #close()} is running. Next: STOPPED.
   *   <li>STOPPED: terminal.
   * </ul>
   */
  enum State {
    NEW,
    STARTING,
    RUNNING,
    STOPPING,
    STOPPED,
    FAILED;

    /**
     * Tells whether a materializer in this state may move to {@code next} (the same check as {@code
     * Log.State#isValidTransition}).
     *
     * @param next the candidate next state
     * @return true if the transition is legal
     */
    public boolean isValidTransition(State next) {
      return switch (this) {
        case NEW -> next == STARTING || next == STOPPING;
        case STARTING -> next == RUNNING || next == FAILED || next == STOPPING;
        case RUNNING -> next == STOPPING || next == FAILED;
        case FAILED -> next == STOPPING;
        case STOPPING -> next == STOPPED;
        case STOPPED -> false;
      };
    }
  }
}
