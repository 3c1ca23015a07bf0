package io.tributary.log;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where the log lives — an embedded single-node KRaft broker (the default) or an external Kafka
 * cluster — and how its internal topics are laid out.
 *
 * <p>Immutable and thread-safe: every {@code with…} method returns a new configuration.
 *
 * <pre>{@code
 * Log log = Log.open(LogConfig.embedded(dataDir).withPartitions(8));
 * }</pre>
 */
public final class LogConfig {
  /** Default partition count P of the partitioned internal topics. */
  public static final int DEFAULT_PARTITIONS = 4;

  /** Default bound on {@link Log#start()}. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

  /**
   * The largest record, in bytes, the log's writer sends ({@code max.request.size}, Kafka's default
   * of 1 MiB, which the broker's default {@code message.max.bytes} admits too). Users of the log
   * keep their records well below it, so that no append ever fails for its size; Kafka Streams'
   * producers have the same default.
   */
  public static final int MAX_RECORD_BYTES = 1024 * 1024;

  /** Name of the broker's data directory under the embedded data directory. */
  public static final String BROKER_DIR_NAME = "kafka";

  /** Broker properties the embedded broker owns; overriding them would break it. */
  private static final Set<String> MANAGED_BROKER_PROPERTIES =
      Set.of(
          "process.roles",
          "node.id",
          "controller.quorum.voters",
          "controller.quorum.bootstrap.servers",
          "controller.listener.names",
          "listeners",
          "advertised.listeners",
          "inter.broker.listener.name",
          "listener.security.protocol.map",
          "log.dirs",
          "log.dir",
          "metadata.log.dir");

  /** Writer properties that make the writer's contract (idempotent, acks=all, bytes). */
  private static final Set<String> MANAGED_WRITER_PROPERTIES =
      Set.of(
          "bootstrap.servers",
          "enable.idempotence",
          "acks",
          "key.serializer",
          "value.serializer",
          "transactional.id");

  private final Path dataDir;
  private final String bootstrapServers;
  private final int partitions;
  private final boolean durableWrites;
  private final Duration startTimeout;
  private final Map<String, String> brokerProperties;
  private final Map<String, Object> clientProperties;
  private final Map<String, Object> writerProperties;
  private final String exclusiveGroup;
  private final String exclusiveSelf;

  private LogConfig(
      Path dataDir,
      String bootstrapServers,
      int partitions,
      boolean durableWrites,
      Duration startTimeout,
      Map<String, String> brokerProperties,
      Map<String, Object> clientProperties,
      Map<String, Object> writerProperties,
      String exclusiveGroup,
      String exclusiveSelf) {
    this.dataDir = dataDir;
    this.bootstrapServers = bootstrapServers;
    this.partitions = partitions;
    this.durableWrites = durableWrites;
    this.startTimeout = startTimeout;
    this.brokerProperties = Map.copyOf(brokerProperties);
    this.clientProperties = Map.copyOf(clientProperties);
    this.writerProperties = Map.copyOf(writerProperties);
    this.exclusiveGroup = exclusiveGroup;
    this.exclusiveSelf = exclusiveSelf;
  }

  /**
   * An embedded single-node KRaft broker whose data lives in {@code dataDir/kafka}. The directory
   * is formatted on the first start and reused (same cluster id, same data) afterwards.
   *
   * @param dataDir the node's data directory; created if missing
   * @return the configuration
   */
  public static LogConfig embedded(Path dataDir) {
    Objects.requireNonNull(dataDir, "dataDir");
    return new LogConfig(
        dataDir.toAbsolutePath(),
        null,
        DEFAULT_PARTITIONS,
        true,
        DEFAULT_START_TIMEOUT,
        Map.of(),
        Map.of(),
        Map.of(),
        null,
        null);
  }

  /**
   * An external Kafka cluster. No broker is started; the log only creates its missing internal
   * topics there. Topics get the cluster's default replication factor and {@code
   * min.insync.replicas} (DESIGN.md asks for at least 3 and 2).
   *
   * @param bootstrapServers the cluster's {@code bootstrap.servers}, e.g. {@code "k1:9092,k2:9092"}
   * @return the configuration
   */
  public static LogConfig external(String bootstrapServers) {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    if (bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("Cannot use blank bootstrap servers");
    }
    return new LogConfig(
        null,
        bootstrapServers.strip(),
        DEFAULT_PARTITIONS,
        true,
        DEFAULT_START_TIMEOUT,
        Map.of(),
        Map.of(),
        Map.of(),
        null,
        null);
  }

  /**
   * Sets P, the partition count of user-writes, shared-writes, stream-events and changes (the
   * catalog always has 1). Default {@value #DEFAULT_PARTITIONS}. It must match existing topics:
   * {@link Log#start()} fails if they were created with another count.
   *
   * @param userWritePartitions P, at least 1
   * @return a new configuration
   */
  public LogConfig withPartitions(int userWritePartitions) {
    if (userWritePartitions < 1) {
      throw new IllegalArgumentException(
          "Cannot use " + userWritePartitions + " partitions: must be at least 1");
    }
    return new LogConfig(
        dataDir,
        bootstrapServers,
        userWritePartitions,
        durableWrites,
        startTimeout,
        brokerProperties,
        clientProperties,
        writerProperties,
        exclusiveGroup,
        exclusiveSelf);
  }

  /**
   * Sets whether the command topics (catalog, user-writes, shared-writes, stream-events) fsync
   * every append before acknowledging it ({@code flush.messages=1}; producer batching makes it a
   * group commit). Default true, the promise of PostgreSQL's {@code synchronous_commit=on}. The
   * setting is applied to existing topics on start too.
   *
   * @param fsyncEachAppend true to fsync each append
   * @return a new configuration
   */
  public LogConfig withDurableWrites(boolean fsyncEachAppend) {
    return new LogConfig(
        dataDir,
        bootstrapServers,
        partitions,
        fsyncEachAppend,
        startTimeout,
        brokerProperties,
        clientProperties,
        writerProperties,
        exclusiveGroup,
        exclusiveSelf);
  }

  /**
   * Bounds {@link Log#start()}: broker start, topic creation and the readiness wait together.
   * Default 60 s.
   *
   * @param timeout a positive duration
   * @return a new configuration
   */
  public LogConfig withStartTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("Cannot use start timeout " + timeout + ": not positive");
    }
    return new LogConfig(
        dataDir,
        bootstrapServers,
        partitions,
        durableWrites,
        timeout,
        brokerProperties,
        clientProperties,
        writerProperties,
        exclusiveGroup,
        exclusiveSelf);
  }

  /**
   * Overrides one property of the embedded broker (for example {@code log.retention.hours}).
   * Properties that wire the node (roles, listeners, quorum, directories) cannot be overridden.
   *
   * @param key a Kafka broker property
   * @param value its value
   * @return a new configuration
   * @throws IllegalStateException if this configuration is external
   * @throws IllegalArgumentException if the embedded broker manages {@code key} itself
   */
  public LogConfig withBrokerProperty(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (!isEmbedded()) {
      throw new IllegalStateException(
          "Cannot set broker property " + key + ": the log is external");
    }
    if (MANAGED_BROKER_PROPERTIES.contains(key)) {
      throw new IllegalArgumentException(
          "Cannot override broker property " + key + ": the embedded broker manages it");
    }
    Map<String, String> copy = new LinkedHashMap<>(brokerProperties);
    copy.put(key, value);
    return new LogConfig(
        dataDir,
        bootstrapServers,
        partitions,
        durableWrites,
        startTimeout,
        copy,
        clientProperties,
        writerProperties,
        exclusiveGroup,
        exclusiveSelf);
  }

  /**
   * Adds a property for every Kafka client of the log and of its users (it appears in {@link
   * Log#clientConfig()}), e.g. {@code security.protocol} or {@code sasl.jaas.config}.
   *
   * @param key a Kafka client property other than {@code bootstrap.servers}
   * @param value its value
   * @return a new configuration
   */
  public LogConfig withClientProperty(String key, Object value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if ("bootstrap.servers".equals(key)) {
      throw new IllegalArgumentException(
          "Cannot override client property bootstrap.servers: the log manages it");
    }
    Map<String, Object> copy = new LinkedHashMap<>(clientProperties);
    copy.put(key, value);
    return new LogConfig(
        dataDir,
        bootstrapServers,
        partitions,
        durableWrites,
        startTimeout,
        brokerProperties,
        copy,
        writerProperties,
        exclusiveGroup,
        exclusiveSelf);
  }

  /**
   * Overrides one producer property of the {@link CommandWriter} (e.g. {@code linger.ms}, {@code
   * max.block.ms}, {@code compression.type}). Properties that make its contract (idempotence,
   * {@code acks=all}, byte-array serializers) cannot be overridden.
   *
   * @param key a Kafka producer property
   * @param value its value
   * @return a new configuration
   */
  public LogConfig withWriterProperty(String key, Object value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (MANAGED_WRITER_PROPERTIES.contains(key)) {
      throw new IllegalArgumentException(
          "Cannot override writer property " + key + ": the writer's contract depends on it");
    }
    Map<String, Object> copy = new LinkedHashMap<>(writerProperties);
    copy.put(key, value);
    return new LogConfig(
        dataDir,
        bootstrapServers,
        partitions,
        durableWrites,
        startTimeout,
        brokerProperties,
        clientProperties,
        copy,
        exclusiveGroup,
        exclusiveSelf);
  }

  /**
   * Makes {@link Log#start()} on an external cluster refuse to start while the consumer group
   * {@code groupId} has active members: another node of this deployment is serving the cluster, and
   * several nodes on one cluster are not supported yet (their Kafka Streams applications would
   * split the partitions between them, and each node would lose the reads and writes of the
   * partitions it gave away). The check runs before the log changes anything in the cluster. An
   * embedded broker is not checked: it listens on loopback ports chosen at each start, so no other
   * node can have joined it yet, and a member it still lists is this node's own previous run.
   *
   * <p>A node that crashed stays a member until the group's session timeout (45 s by default)
   * expires; a node that stops cleanly leaves at once.
   *
   * @param groupId the consumer group every serving node is a member of
   * @return a new configuration
   */
  public LogConfig withExclusiveGroup(String groupId) {
    Objects.requireNonNull(groupId, "groupId");
    if (groupId.isBlank()) {
      throw new IllegalArgumentException("Cannot use a blank consumer group id");
    }
    return new LogConfig(
        dataDir,
        bootstrapServers,
        partitions,
        durableWrites,
        startTimeout,
        brokerProperties,
        clientProperties,
        writerProperties,
        groupId,
        null);
  }

  /**
   * Like {@link #withExclusiveGroup(String)}, but a member whose static group instance id is {@code
   * self}, or starts with {@code self + "-"} (Kafka Streams adds its thread's number), does not
   * count: it is this node's own run that crashed, which the new run replaces at once when it joins
   * with the same instance id.
   *
   * @param self this node's group instance id
   */
  public LogConfig withExclusiveGroup(String groupId, String self) {
    Objects.requireNonNull(self, "self");
    LogConfig c = withExclusiveGroup(groupId);
    return new LogConfig(
        c.dataDir,
        c.bootstrapServers,
        c.partitions,
        c.durableWrites,
        c.startTimeout,
        c.brokerProperties,
        c.clientProperties,
        c.writerProperties,
        c.exclusiveGroup,
        self);
  }

  /** P, the partition count of the partitioned internal topics. */
  public int partitions() {
    return partitions;
  }

  /** Whether the command topics fsync each append. */
  public boolean durableWrites() {
    return durableWrites;
  }

  /** True for an embedded broker, false for an external cluster. */
  public boolean isEmbedded() {
    return dataDir != null;
  }

  /** The embedded data directory; empty for an external cluster. */
  public Optional<Path> dataDir() {
    return Optional.ofNullable(dataDir);
  }

  /** The broker's data directory, {@code dataDir/kafka}; empty for an external cluster. */
  public Optional<Path> brokerDir() {
    return dataDir().map(dir -> dir.resolve(BROKER_DIR_NAME));
  }

  /** The external cluster's bootstrap servers; empty for an embedded broker. */
  public Optional<String> externalBootstrapServers() {
    return Optional.ofNullable(bootstrapServers);
  }

  /** The bound on {@link Log#start()}. */
  public Duration startTimeout() {
    return startTimeout;
  }

  /**
   * The consumer group that must have no active member on start; see {@link #withExclusiveGroup}.
   */
  public Optional<String> exclusiveGroup() {
    return Optional.ofNullable(exclusiveGroup);
  }

  /** This node's own group instance id in the {@link #exclusiveGroup()}, if named. */
  public Optional<String> exclusiveSelf() {
    return Optional.ofNullable(exclusiveSelf);
  }

  /** The internal topic layout this configuration implies. */
  public LogTopics topics() {
    return LogTopics.withPartitions(partitions);
  }

  /** Broker property overrides (embedded only). */
  public Map<String, String> brokerProperties() {
    return brokerProperties;
  }

  /** Extra properties for every Kafka client. */
  public Map<String, Object> clientProperties() {
    return clientProperties;
  }

  /** Producer property overrides of the writer. */
  public Map<String, Object> writerProperties() {
    return writerProperties;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogConfig other
        && partitions == other.partitions
        && durableWrites == other.durableWrites
        && Objects.equals(dataDir, other.dataDir)
        && Objects.equals(bootstrapServers, other.bootstrapServers)
        && startTimeout.equals(other.startTimeout)
        && brokerProperties.equals(other.brokerProperties)
        && clientProperties.equals(other.clientProperties)
        && writerProperties.equals(other.writerProperties)
        && Objects.equals(exclusiveGroup, other.exclusiveGroup)
        && Objects.equals(exclusiveSelf, other.exclusiveSelf);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        dataDir,
        bootstrapServers,
        partitions,
        durableWrites,
        startTimeout,
        brokerProperties,
        clientProperties,
        writerProperties,
        exclusiveGroup);
  }

  /** Describes the configuration; property values are left out since they may hold secrets. */
  @Override
  public String toString() {
    return "LogConfig{"
        + (isEmbedded() ? "embedded=" + dataDir : "external=" + bootstrapServers)
        + ", partitions="
        + partitions
        + ", durableWrites="
        + durableWrites
        + ", startTimeout="
        + startTimeout
        + ", brokerProperties="
        + brokerProperties.keySet()
        + ", clientProperties="
        + clientProperties.keySet()
        + ", writerProperties="
        + writerProperties.keySet()
        + (exclusiveGroup == null ? "" : ", exclusiveGroup=" + exclusiveGroup)
        + "}";
  }
}
