package io.tributary.log;

import java.util.ArrayList;
import java.util.List;

/**
 * Names and layout of the fixed internal topics (DESIGN.md section 3). Tables are created at run
 * time; these topics are not: every table's commands and changes share them.
 *
 * <ul>
 *   <li>{@link #catalog()} — compacted, 1 partition: DDL, users, topics, settings.
 *   <li>{@link #userWrites()} — P partitions, key = user id: commands on USER tables.
 *   <li>{@link #sharedWrites()} — P partitions, key = table id: commands on SHARED tables.
 *   <li>{@link #streamEvents()} — P partitions, key = user id: commands on STREAM tables (their
 *       events), kept {@link #streamEventsRetentionMs} (the largest TTL_SECONDS, at least {@link
 *       #STREAM_RETENTION_FLOOR_MS}).
 *   <li>{@link #changes()} — P partitions, co-partitioned with the writes: row-level changes.
 * </ul>
 *
 * <p>Immutable and thread-safe. The partition count P of a deployment cannot change once its topics
 * exist: it decides which partition holds each user's commands.
 */
public final class LogTopics {
  /** Prefix of every internal topic. User topics must not start with it. */
  public static final String PREFIX = "_tributary.";

  /** Name of the catalog topic. */
  public static final String CATALOG = PREFIX + "catalog";

  /** Name of the topic of commands on USER tables. */
  public static final String USER_WRITES = PREFIX + "user-writes";

  /** Name of the topic of commands on SHARED tables. */
  public static final String SHARED_WRITES = PREFIX + "shared-writes";

  /** Name of the topic of STREAM table events. */
  public static final String STREAM_EVENTS = PREFIX + "stream-events";

  /** Name of the topic of row-level changes. */
  public static final String CHANGES = PREFIX + "changes";

  /** Prefix of the Kafka topics of user topics ({@code CREATE TOPIC}). */
  public static final String USER_TOPIC_PREFIX = "tributary.topic.";

  /** Prefix of the consumer groups of CONSUME. */
  public static final String GROUP_PREFIX = "tributary.consume.";

  /**
   * The least retention of {@link #STREAM_EVENTS}: one hour, whatever the STREAM tables' TTLs. It
   * bounds how long a subscriber to a STREAM table can be away and still resume from its position.
   */
  public static final long STREAM_RETENTION_FLOOR_MS = 3_600_000L;

  private static final List<String> ALL =
      List.of(CATALOG, USER_WRITES, SHARED_WRITES, STREAM_EVENTS, CHANGES);

  private final int partitions;

  private LogTopics(int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "Cannot use " + partitions + " partitions: must be at least 1");
    }
    this.partitions = partitions;
  }

  /**
   * Returns the layout with {@code partitions} partitions for the partitioned topics.
   *
   * @param partitions P, at least 1
   * @return the layout
   * @throws IllegalArgumentException if {@code partitions} is less than 1
   */
  public static LogTopics withPartitions(int partitions) {
    return new LogTopics(partitions);
  }

  /**
   * Tells whether {@code topic} is in the internal namespace (starts with {@link #PREFIX}).
   *
   * @param topic a topic name
   * @return true for internal topic names
   */
  public static boolean isInternal(String topic) {
    return topic.startsWith(PREFIX);
  }

  /** {@value #CATALOG}: compacted, 1 partition. */
  public String catalog() {
    return CATALOG;
  }

  /** {@value #USER_WRITES}: {@link #partitions()} partitions, key = user id. */
  public String userWrites() {
    return USER_WRITES;
  }

  /** {@value #SHARED_WRITES}: {@link #partitions()} partitions, key = table id. */
  public String sharedWrites() {
    return SHARED_WRITES;
  }

  /** {@value #STREAM_EVENTS}: {@link #partitions()} partitions, key = user id. */
  public String streamEvents() {
    return STREAM_EVENTS;
  }

  /** {@value #CHANGES}: {@link #partitions()} partitions, co-partitioned with the writes. */
  public String changes() {
    return CHANGES;
  }

  /** P, the partition count of the partitioned topics (all but the catalog). */
  public int partitions() {
    return partitions;
  }

  /**
   * Returns the partition count of one internal topic: 1 for the catalog, P for the others.
   *
   * @param topic one of {@link #all()}
   * @return its partition count
   * @throws IllegalArgumentException if {@code topic} is not an internal topic
   */
  public int partitionsOf(String topic) {
    if (CATALOG.equals(topic)) {
      return 1;
    }
    if (ALL.contains(topic)) {
      return partitions;
    }
    throw new IllegalArgumentException(
        "Cannot find internal topic " + topic + ": expected one of " + ALL);
  }

  /**
   * Tells whether records of {@code topic} are commands (the catalog and the write topics), as
   * opposed to state derived from them ({@link #changes()}). Durable writes fsync exactly these.
   *
   * @param topic a topic name
   * @return true for command topics
   */
  public boolean isCommandTopic(String topic) {
    return ALL.contains(topic) && !CHANGES.equals(topic);
  }

  /**
   * Where a command on a USER table of {@code owner} goes: {@link #userWrites()}, keyed by the
   * owner, in the partition that holds all of that owner's commands.
   *
   * @param owner the owning user's id
   * @return the route
   */
  public LogRoute userWrite(String owner) {
    byte[] key = LogKeys.userKey(owner);
    return new LogRoute(USER_WRITES, LogKeys.partition(key, partitions), key);
  }

  /**
   * Where a command on a STREAM table of {@code owner} goes: {@link #streamEvents()}, keyed by the
   * owner, in the partition with the same number as the owner's {@link #userWrite} partition (the
   * materializer applies both in one task, over one store).
   *
   * @param owner the owning user's id
   * @return the route
   */
  public LogRoute streamWrite(String owner) {
    byte[] key = LogKeys.userKey(owner);
    return new LogRoute(STREAM_EVENTS, LogKeys.partition(key, partitions), key);
  }

  /**
   * The retention of {@link #streamEvents()} for STREAM tables whose largest TTL is {@code
   * largestTtlMillis}: that TTL, but at least {@link #STREAM_RETENTION_FLOOR_MS}. A command older
   * than every TTL has no visible effect any more (an event expires relative to the time its
   * command was accepted), so dropping it from the log loses nothing.
   *
   * @param largestTtlMillis the largest TTL_SECONDS of any STREAM table, in ms; 0 when there is
   *     none
   * @return {@code retention.ms} for the topic
   */
  public static long streamEventsRetentionMs(long largestTtlMillis) {
    return Math.max(STREAM_RETENTION_FLOOR_MS, largestTtlMillis);
  }

  /**
   * Where a command on the SHARED table {@code tableId} goes: {@link #sharedWrites()}, keyed by the
   * table id, in the one partition that holds the table.
   *
   * @param tableId the table id
   * @return the route
   */
  public LogRoute sharedWrite(long tableId) {
    byte[] key = LogKeys.sharedKey(tableId);
    return new LogRoute(SHARED_WRITES, LogKeys.partition(key, partitions), key);
  }

  /**
   * Where a command on the SHARED table {@code tableId} goes when the table declares a partition
   * key: keyed by the table id and the key's value ({@link LogKeys#sharedKey(long, String)}), in
   * the partition that holds every row of that value.
   *
   * @param tableId the table id
   * @param keyValue the partition key value's text, or null for a table without a partition key
   * @return the route
   */
  public LogRoute sharedWrite(long tableId, String keyValue) {
    byte[] key = LogKeys.sharedKey(tableId, keyValue);
    return new LogRoute(SHARED_WRITES, LogKeys.partition(key, partitions), key);
  }

  /**
   * Where a catalog record goes: the single partition of {@link #catalog()}, under the record's own
   * compaction key.
   *
   * @param key the catalog record's key (the latest record of a key wins on compaction)
   * @return the route
   */
  public LogRoute catalogRecord(byte[] key) {
    return new LogRoute(CATALOG, 0, key);
  }

  /**
   * One route per partition of a write topic, each keyed by {@code tableId}: for commands every
   * partition must apply, such as the purge of a dropped table.
   *
   * @param writeTopic {@link #userWrites()}, {@link #sharedWrites()} or {@link #streamEvents()}
   * @param tableId the table id
   * @return the routes, partition 0 first
   * @throws IllegalArgumentException if {@code writeTopic} is not a write topic
   */
  public List<LogRoute> everyPartition(String writeTopic, long tableId) {
    if (!USER_WRITES.equals(writeTopic)
        && !SHARED_WRITES.equals(writeTopic)
        && !STREAM_EVENTS.equals(writeTopic)) {
      throw new IllegalArgumentException(
          "Cannot route to every partition of "
              + writeTopic
              + ": expected "
              + USER_WRITES
              + ", "
              + SHARED_WRITES
              + " or "
              + STREAM_EVENTS);
    }
    byte[] key = LogKeys.sharedKey(tableId);
    List<LogRoute> routes = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      routes.add(new LogRoute(writeTopic, p, key));
    }
    return List.copyOf(routes);
  }

  /**
   * The Kafka topic of the user topic {@code topicId}: named by id, so a topic dropped and created
   * again is another Kafka topic (Kafka deletes topics asynchronously).
   */
  public static String userTopic(long topicId) {
    return USER_TOPIC_PREFIX + topicId;
  }

  /**
   * The key of a record routed into a user topic: the owner's key (so one owner's records keep
   * their order in one partition), or the table's for a change without an owner.
   */
  public static byte[] userTopicKey(String owner, long tableId) {
    return owner != null ? LogKeys.userKey(owner) : LogKeys.sharedKey(tableId);
  }

  /**
   * A consumer group's Kafka id, {@code tributary.consume.<source>.<scope>.<group>}.
   *
   * @param source what the group reads, without dots (e.g. {@code topic-12}, {@code table-34})
   * @param scope the account a private group belongs to, or null for a shared group
   * @param group the group's name as written
   */
  public static String consumerGroup(String source, String scope, String group) {
    String s =
        scope == null
            ? "*"
            : java.net.URLEncoder.encode(scope, java.nio.charset.StandardCharsets.UTF_8)
                .replace(".", "%2E");
    return GROUP_PREFIX + source + "." + s + "." + group;
  }

  /** A consumer group id taken apart: see {@link #consumerGroup}. */
  public record ConsumerGroupName(String source, String scope, String group) {}

  /** The parts of a group id made by {@link #consumerGroup}, or null for any other id. */
  public static ConsumerGroupName parseConsumerGroup(String id) {
    if (!id.startsWith(GROUP_PREFIX)) {
      return null;
    }
    String[] parts = id.substring(GROUP_PREFIX.length()).split("\\.", 3);
    if (parts.length != 3) {
      return null;
    }
    String scope =
        parts[1].equals("*")
            ? null
            : java.net.URLDecoder.decode(parts[1], java.nio.charset.StandardCharsets.UTF_8);
    return new ConsumerGroupName(parts[0], scope, parts[2]);
  }

  /** Every internal topic: catalog, user-writes, shared-writes, stream-events, changes. */
  public List<String> all() {
    return ALL;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogTopics other && other.partitions == partitions;
  }

  @Override
  public int hashCode() {
    return Integer.hashCode(partitions);
  }

  @Override
  public String toString() {
    return "LogTopics{prefix=" + PREFIX + ", partitions=" + partitions + "}";
  }
}
