package io.tributary.server;

import java.time.Duration;
import java.util.List;

/**
 * Runs the consume streams of the API: a session is one member of a consumer group (DESIGN.md
 * section 6), and acks commit the group's position. Thread-safe.
 */
public interface ConsumeRunner {

  /**
   * Analyzes {@code CONSUME FROM ... GROUP 'g' ...} for the principal and joins the group.
   *
   * @throws io.tributary.query.TributaryException with the statement's error, or INVALID_ARGUMENT
   *     for a statement that is not a CONSUME with a GROUP
   */
  Session open(Principal principal, String sql, List<Object> params);

  /** {@code ACK topic GROUP 'group' PARTITION partition UPTO OFFSET offset} for the principal. */
  void ack(Principal principal, String topic, String group, int partition, long offset);

  /** One member of a consumer group. One thread polls; {@link #wakeup} from any thread. */
  interface Session extends AutoCloseable {
    /** The topic or table consumed (ns.name). */
    String name();

    /** Whether the member has joined its group. */
    boolean joined();

    /**
     * The next records as result rows (the columns of {@code
     * io.tributary.query.exec.ConsumedRecords#COLUMNS}) the principal may read, waiting at most
     * {@code timeout}.
     */
    List<Object[]> poll(Duration timeout);

    /**
     * Carries out the acks waiting for this member without reading records: the polling thread
     * calls it while the client cannot take more, so the acks of what it already received do not
     * wait for the next poll.
     */
    void runPendingCommits();

    /** Ends a {@link #poll} early. */
    void wakeup();

    /** Leaves the group without committing. */
    @Override
    void close();
  }
}
