package io.tributary.materializer.internal;

import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.TableKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The materializer's Processor-API topology: two independent sub-topologies,
 *
 * <pre>
 * user-writes   ─► user-commands   ┐
 *                                  ├ (store user-rows) ─► changes (, own write topic, user topics)
 * stream-events ─► stream-commands ┘
 * shared-writes ─► shared-commands (store shared-rows) ─► changes (, shared-writes, user topics)
 * </pre>
 *
 * USER and STREAM tables share the store {@code user-rows} (one owner's rows of both kinds live in
 * partition p of the store, whose task reads partition p of both topics, co-partitioned), but each
 * topic has its own processor: a STREAM row's {@code _seq} comes from its stream-events offset, a
 * USER row's from its user-writes offset. A range (one table, one owner) is written from one topic
 * only, so its {@code _seq} and watermark grow in one domain. Only the stream processor expires
 * events ({@link CommandProcessor.Expiry}).
 *
 * <p>A command too large for one transaction (a DELETE of many rows, a purge) is applied in steps:
 * each step appends the next one to its own write topic and partition, in its transaction.
 *
 * <p>Stores are persistent RocksDB key-value stores without a cache (an interactive query must see
 * exactly what was applied) and with a changelog. Changes keep their command's record key, so with
 * the default partitioner and equal partition counts a change lands in its command's partition.
 */
final class MaterializerTopology {
  static final String USER_ROWS = "user-rows";
  static final String SHARED_ROWS = "shared-rows";

  private MaterializerTopology() {}

  /** The topic names the topology reads and writes. */
  record Topics(String userWrites, String sharedWrites, String streamEvents, String changes) {}

  static Topology build(
      Topics topics, Catalog catalog, RowCompiler compiler, ApplyListener listener) {
    return build(topics, catalog, compiler, listener, ChangeListener.NONE);
  }

  static Topology build(
      Topics topics,
      Catalog catalog,
      RowCompiler compiler,
      ApplyListener listener,
      ChangeListener changes) {
    return build(
        topics,
        catalog,
        compiler,
        listener,
        changes,
        CommandProcessor.Steps.DEFAULT,
        () -> {},
        new Topology());
  }

  static Topology build(
      Topics topics,
      Catalog catalog,
      RowCompiler compiler,
      ApplyListener listener,
      ChangeListener changes,
      CommandProcessor.Steps steps,
      Runnable onCommand,
      Topology topology) {
    return build(
        topics,
        catalog,
        compiler,
        listener,
        changes,
        steps,
        onCommand,
        CommandProcessor.Expiry.DEFAULT,
        topology);
  }

  static Topology build(
      Topics topics,
      Catalog catalog,
      RowCompiler compiler,
      ApplyListener listener,
      ChangeListener changes,
      CommandProcessor.Steps steps,
      Runnable onCommand,
      CommandProcessor.Expiry expiry,
      Topology topology) {
    ByteArrayDeserializer deserializer = new ByteArrayDeserializer();
    ByteArraySerializer serializer = new ByteArraySerializer();

    topology.addSource("user-writes", deserializer, deserializer, topics.userWrites());
    topology.addProcessor(
        "user-commands",
        () ->
            new CommandProcessor(
                USER_ROWS,
                TableKind.USER,
                catalog,
                compiler,
                listener,
                changes,
                "user-changes",
                "user-steps",
                "user-topics",
                steps,
                onCommand,
                expiry),
        "user-writes");
    topology.addStateStore(rowStore(USER_ROWS), "user-commands");
    topology.addSink("user-changes", topics.changes(), serializer, serializer, "user-commands");
    topology.addSink(
        "user-steps",
        topics.userWrites(),
        serializer,
        serializer,
        new SamePartition(),
        "user-commands");

    topology.addSink("user-topics", TOPIC_OF, serializer, serializer, "user-commands");

    topology.addSource("stream-events", deserializer, deserializer, topics.streamEvents());
    topology.addProcessor(
        "stream-commands",
        () ->
            new CommandProcessor(
                USER_ROWS,
                TableKind.STREAM,
                catalog,
                compiler,
                listener,
                changes,
                "stream-changes",
                "stream-steps",
                "stream-topics",
                steps,
                onCommand,
                expiry),
        "stream-events");
    topology.connectProcessorAndStateStores("stream-commands", USER_ROWS);
    topology.addSink("stream-changes", topics.changes(), serializer, serializer, "stream-commands");
    topology.addSink(
        "stream-steps",
        topics.streamEvents(),
        serializer,
        serializer,
        new SamePartition(),
        "stream-commands");
    topology.addSink("stream-topics", TOPIC_OF, serializer, serializer, "stream-commands");

    topology.addSource("shared-writes", deserializer, deserializer, topics.sharedWrites());
    topology.addProcessor(
        "shared-commands",
        () ->
            new CommandProcessor(
                SHARED_ROWS,
                TableKind.SHARED,
                catalog,
                compiler,
                listener,
                changes,
                "shared-changes",
                "shared-steps",
                "shared-topics",
                steps,
                onCommand,
                expiry),
        "shared-writes");
    topology.addStateStore(rowStore(SHARED_ROWS), "shared-commands");
    topology.addSink("shared-changes", topics.changes(), serializer, serializer, "shared-commands");
    topology.addSink(
        "shared-steps",
        topics.sharedWrites(),
        serializer,
        serializer,
        new SamePartition(),
        "shared-commands");
    topology.addSink("shared-topics", TOPIC_OF, serializer, serializer, "shared-commands");
    return topology;
  }

  /**
   * The Kafka topic of a record routed into a user topic: its {@link
   * CommandProcessor#TOPIC_HEADER}.
   */
  static final TopicNameExtractor<byte[], byte[]> TOPIC_OF =
      (key, value, context) -> {
        Header header = context.headers().lastHeader(CommandProcessor.TOPIC_HEADER);
        if (header == null) {
          throw new IllegalStateException("Cannot route a topic record: it names no topic");
        }
        return new String(header.value(), StandardCharsets.UTF_8);
      };

  /**
   * Routes the next step of a large DELETE or purge back to the partition of the step before it,
   * named by the record's {@link CommandProcessor#PARTITION_HEADER}.
   */
  static final class SamePartition implements StreamPartitioner<byte[], byte[]> {
    @Override
    public Optional<Set<Integer>> partitions(
        String topic, byte[] key, byte[] value, int numPartitions) {
      throw new IllegalStateException("Cannot route a command step without its headers");
    }

    @Override
    public Optional<Set<Integer>> partitions(
        String topic, byte[] key, byte[] value, Headers headers, int numPartitions) {
      Header header = headers.lastHeader(CommandProcessor.PARTITION_HEADER);
      if (header == null || header.value().length != Integer.BYTES) {
        throw new IllegalStateException("Cannot route a command step: it names no partition");
      }
      return Optional.of(Set.of(ByteBuffer.wrap(header.value()).getInt()));
    }
  }

  private static StoreBuilder<KeyValueStore<Bytes, byte[]>> rowStore(String name) {
    return Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
        .withCachingDisabled()
        .withLoggingEnabled(Map.of());
  }
}
