package io.tributary.benchmarks.ingest;

import io.tributary.log.Log;
import io.tributary.log.LogKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The size of what Tributary appends to its log per acknowledged INSERT, read back from the log: a
 * few single-row and multi-row INSERTs by one writer user, then the records under that user's key
 * in {@code user-writes}, in order.
 *
 * @param keyBytes the record key's size (the user id)
 * @param singleRow value sizes of the single-row INSERTs' records
 * @param batched value sizes of the multi-row INSERTs' records
 * @param recordsPerInsert records appended per INSERT (expected: 1)
 * @param headers headers per record (expected: 0)
 */
record RecordSizes(
    int keyBytes,
    List<Integer> singleRow,
    List<Integer> batched,
    int recordsPerInsert,
    int headers) {

  /** Inserts {@code singles} single-row and {@code batches} multi-row INSERTs and reads them. */
  static RecordSizes probe(
      Log log, TributaryIngest tributary, int singles, int batches, int batchRows) {
    String topic = log.topics().userWrites();
    byte[] key = LogKeys.userKey(tributary.userId(0));
    TopicPartition partition =
        new TopicPartition(topic, LogKeys.partition(key, log.topics().partitions()));
    Map<String, Object> config = new HashMap<>(log.clientConfig());
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      consumer.assign(List.of(partition));
      long from = consumer.endOffsets(List.of(partition)).get(partition);
      for (int i = 0; i < singles; i++) {
        tributary.insertOne(0);
      }
      for (int i = 0; i < batches; i++) {
        tributary.insert(0, batchRows);
      }
      long to = consumer.endOffsets(List.of(partition)).get(partition);
      consumer.seek(partition, from);
      List<ConsumerRecord<byte[], byte[]>> mine = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      long position = from;
      while (position < to && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          position = r.offset() + 1;
          if (r.offset() < to && Arrays.equals(r.key(), key)) {
            mine.add(r);
          }
        }
      }
      int inserts = singles + batches;
      if (mine.size() % inserts != 0 || mine.isEmpty()) {
        throw new IllegalStateException(
            "Cannot tell the record size: "
                + inserts
                + " INSERTs appended "
                + mine.size()
                + " records under their user's key to "
                + partition);
      }
      int perInsert = mine.size() / inserts;
      List<Integer> single = new ArrayList<>();
      List<Integer> batched = new ArrayList<>();
      int headers = 0;
      for (int i = 0; i < mine.size(); i++) {
        ConsumerRecord<byte[], byte[]> r = mine.get(i);
        headers = Math.max(headers, r.headers().toArray().length);
        (i < singles * perInsert ? single : batched).add(r.serializedValueSize());
      }
      return new RecordSizes(key.length, single, batched, perInsert, headers);
    }
  }

  /** The typical single-row record value size (the median). */
  int singleRowValueBytes() {
    return median(singleRow);
  }

  /** The typical multi-row record value size (the median), or 0 without batches. */
  int batchedValueBytes() {
    return batched.isEmpty() ? 0 : median(batched);
  }

  private static int median(List<Integer> sizes) {
    List<Integer> sorted = new ArrayList<>(sizes);
    sorted.sort(Integer::compare);
    return sorted.get(sorted.size() / 2);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key_bytes", keyBytes);
    m.put("single_row_value_bytes", singleRowValueBytes());
    m.put("single_row_value_bytes_seen", singleRow);
    m.put("batched_value_bytes", batchedValueBytes());
    m.put("batched_value_bytes_seen", batched);
    m.put("records_per_insert", recordsPerInsert);
    m.put("headers_per_record", headers);
    return m;
  }
}
