package io.tributary.log;

import io.tributary.log.internal.KafkaLog;
import java.util.Map;
import java.util.Optional;

/**
 * The running log: an embedded single-node KRaft broker or a connection to an external cluster, the
 * internal topics ({@link LogTopics}) and the shared {@link CommandWriter}.
 *
 * <p><b>Lifecycle.</b> {@code NEW -> STARTING -> RUNNING -> STOPPING -> STOPPED}; any state but
 * {@code STOPPED} may go to {@code FAILED} (start failed, or the embedded broker hit a fatal
 * fault), and {@code FAILED} goes to {@code STOPPING} when closed. See {@link
 * State#isValidTransition}. An illegal transition throws {@link IllegalStateException} naming both
 * states.
 *
 * <p><b>Threading.</b> All methods are thread-safe. {@link #start()} and {@link #close()} are
 * serialised: a {@code close()} during {@code start()} waits for it.
 *
 * <p><b>Fatal broker faults.</b> Kafka's broker halts the JVM on a fatal fault. While an embedded
 * log runs, such a halt (or exit) request is intercepted instead: it is logged at ERROR, the log
 * becomes {@code FAILED} with the reason in {@link #failure()}, the writer refuses new appends, and
 * the owner is expected to {@link #close()} it. The interception is process-wide (Kafka's {@code
 * Exit} is static): with several embedded logs in one JVM a fault marks all of them FAILED. The
 * previous procedures are restored when the last embedded log closes.
 */
public interface Log extends AutoCloseable {

  /**
   * Creates a log for {@code config}; it does not start it.
   *
   * @param config where the log lives
   * @return a log in state {@link State#NEW}
   */
  static Log open(LogConfig config) {
    return new KafkaLog(config);
  }

  /**
   * Starts the log and returns once it is {@link State#RUNNING}. If embedded, starts the broker
   * (formatting its directory first only when {@code meta.properties} is absent); then creates the
   * missing internal topics, fails if an existing one has another partition count, aligns their
   * durability setting, and waits until every partition of them answers {@code listOffsets} (a
   * workaround for KAFKA-15591: an idempotent producer can lose its first batch when it writes
   * right after {@code createTopics}). Blocks for at most {@link LogConfig#startTimeout()}.
   *
   * @throws IllegalStateException if the log is not {@link State#NEW}
   * @throws LogException if the log cannot start; the log is then {@link State#FAILED} with
   *     everything it had started released
   */
  void start();

  /**
   * The log's {@code bootstrap.servers}; for an embedded broker {@code "127.0.0.1:<port>"} with a
   * port chosen at start.
   *
   * @throws IllegalStateException if the log has never been {@link State#RUNNING}
   */
  String bootstrapServers();

  /** The internal topic layout; available in every state. */
  LogTopics topics();

  /**
   * The shared writer: one idempotent producer with {@code acks=all}.
   *
   * @throws IllegalStateException if the log has never been {@link State#RUNNING}
   */
  CommandWriter writer();

  /**
   * Base properties for other Kafka clients of this log (Streams, consumers, admin): {@code
   * bootstrap.servers} and every {@link LogConfig#withClientProperty client property}. An
   * unmodifiable map; copy it to add client-specific settings.
   *
   * @throws IllegalStateException if the log has never been {@link State#RUNNING}
   */
  Map<String, Object> clientConfig();

  /**
   * The Kafka cluster id; for an embedded broker it is chosen when its directory is formatted and
   * kept across restarts.
   *
   * @throws IllegalStateException if the log has never been {@link State#RUNNING}
   */
  String clusterId();

  /**
   * Opens a reader of one partition, positioned at its beginning; the caller closes it.
   *
   * @param topic the topic, e.g. one of {@link #topics()}
   * @param partition the partition, 0-based
   * @return a new reader ({@code read_committed}, no consumer group)
   * @throws IllegalStateException if the log has never been {@link State#RUNNING}
   * @throws LogException if the reader cannot be created
   */
  LogReader openReader(String topic, int partition);

  /**
   * The admin of user topics and consumer groups.
   *
   * @throws IllegalStateException if the log has never been {@link State#RUNNING}
   */
  TopicAdmin topicAdmin();

  /**
   * Joins a consumer group as a new member reading {@code topic}; the caller closes it.
   *
   * @param group the group id (see {@link LogTopics#consumerGroup})
   * @param start where a partition starts that the group never committed on
   * @param startOffset the offset for {@link GroupConsumer.Start#OFFSET}, else ignored
   * @throws IllegalStateException if the log has never been {@link State#RUNNING}
   */
  GroupConsumer joinGroup(String group, String topic, GroupConsumer.Start start, long startOffset);

  /** The current state. */
  State state();

  /** Why the log failed, if it ever did; kept after {@link #close()}. */
  Optional<LogException> failure();

  /**
   * Shuts down cleanly: the writer first (flushing pending appends), then the broker if embedded.
   * Idempotent: closing a {@link State#STOPPED} log does nothing. Ends in {@link State#STOPPED}.
   *
   * @throws LogException if shutting something down failed; the log is then {@link State#FAILED}
   *     and {@code close()} may be called again
   */
  @Override
  void close();

  /** States of a {@link Log}. */
  enum State {
    /** Created, not started. Next: STARTING, STOPPING ({@link Log#close()}), FAILED. */
    NEW,
    /** {@link Log#start()} is running. Next: RUNNING, FAILED. */
    STARTING,
    /** Started; the writer accepts appends. Next: STOPPING, FAILED. */
    RUNNING,
    /** {@link Log#close()} is running. Next: STOPPED, FAILED. */
    STOPPING,
    /** Closed; terminal. */
    STOPPED,
    /** Failed; see {@link Log#failure()}. Next: STOPPING (by {@link Log#close()}). */
    FAILED;

    /**
     * Tells whether a log in this state may move to {@code next}.
     *
     * @param next the candidate next state
     * @return true if the transition is legal
     */
    public boolean isValidTransition(State next) {
      return switch (this) {
        case NEW -> next == STARTING || next == STOPPING || next == FAILED;
        case STARTING -> next == RUNNING || next == FAILED;
        case RUNNING -> next == STOPPING || next == FAILED;
        case STOPPING -> next == STOPPED || next == FAILED;
        case STOPPED -> false;
        case FAILED -> next == STOPPING;
      };
    }
  }
}
