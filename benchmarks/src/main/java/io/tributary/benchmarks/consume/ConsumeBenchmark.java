package io.tributary.benchmarks.consume;

import io.tributary.benchmarks.Checks;
import io.tributary.benchmarks.Json;
import io.tributary.benchmarks.Machine;
import io.tributary.benchmarks.Options;
import io.tributary.client.TopicConsumer;
import io.tributary.client.TributaryClient;
import io.tributary.log.LogTopics;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consume throughput (DESIGN.md section 6, issue 14): records/s that one member, and two members,
 * of a Tributary consumer group receive through the SDK's {@code consumer(...).run(...)} (gRPC
 * consume stream, handler, ack per batch), beside a plain Kafka consumer reading the same topic on
 * the same broker in the same run. The target is at least 70% of the plain consumer.
 *
 * <p>Options: {@code --records} (default 100,000; {@code --quick} 2,000), {@code --users} (8),
 * {@code --partitions} (4), {@code --results-dir} ({@code none} writes nothing), {@code --quick}.
 */
public final class ConsumeBenchmark {
  private static final String ROOT_PASSWORD = "bench-root-password";
  private static final double TARGET = 0.70;
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private ConsumeBenchmark() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Options.quick(args);
    Map<String, String> kv = Options.keyValues(args);
    int records =
        Options.positiveInt("records", kv.getOrDefault("records", quick ? "2000" : "100000"));
    int users = Options.positiveInt("users", kv.getOrDefault("users", "8"));
    int partitions = Options.positiveInt("partitions", kv.getOrDefault("partitions", "4"));
    Path resultsDir =
        Options.resultsDir(kv.getOrDefault("results-dir", Options.defaultResultsDir()));

    Path dir = Files.createTempDirectory("tributary-consume-bench");
    try (TributaryServer server =
            TributaryServer.start(
                ServerConfig.defaults()
                    .withDataDir(dir)
                    .withPort(0)
                    .withRootPassword(ROOT_PASSWORD));
        TributaryClient root = TributaryClient.connect("http://127.0.0.1:" + server.port())) {
      root.login("root", ROOT_PASSWORD);
      root.update(
          "CREATE NAMESPACE bench;"
              + "CREATE TABLE bench.events (id BIGINT PRIMARY KEY, body TEXT) WITH (TYPE ="
              + " 'USER');"
              + "CREATE TOPIC bench.feed PARTITIONS "
              + partitions
              + ";"
              + "ALTER TOPIC bench.feed ADD SOURCE bench.events ON INSERT");
      for (int u = 0; u < users; u++) {
        root.update("CREATE USER 'bench_u" + u + "' WITH PASSWORD 'user-password'");
      }
      progress("writing %,d records for %d users", records, users);
      int batch = 500;
      for (int start = 0; start < records; start += batch) {
        int end = Math.min(records, start + batch);
        StringBuilder sql = new StringBuilder("INSERT INTO bench.events VALUES ");
        for (int i = start; i < end; i++) {
          sql.append(i > start ? ", " : "")
              .append('(')
              .append(i)
              .append(", 'event body ")
              .append(i)
              .append("')");
        }
        root.update("EXECUTE AS USER 'bench_u" + ((start / batch) % users) + "' (" + sql + ")");
      }
      String topic = kafkaTopic(server.logBootstrapServers());

      double raw = plainKafka(server.logBootstrapServers(), topic, records);
      progress("plain Kafka consumer: %,.0f records/s", raw);
      double one = tributary(server.port(), "one", 1, records);
      progress("Tributary, one member: %,.0f records/s (%.0f%%)", one, 100 * one / raw);
      double two = tributary(server.port(), "two", 2, records);
      progress("Tributary, two members: %,.0f records/s (%.0f%%)", two, 100 * two / raw);

      write(resultsDir, quick, records, users, partitions, raw, one, two);
    }
  }

  private static String kafkaTopic(String bootstrap) throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(config)) {
      return admin.listTopics().names().get().stream()
          .filter(t -> t.startsWith(LogTopics.USER_TOPIC_PREFIX))
          .findFirst()
          .orElseThrow();
    }
  }

  /** A plain consumer in a fresh group from the earliest offset; records/s until all are read. */
  private static double plainKafka(String bootstrap, String topic, int records) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-plain");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    long read = 0;
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long begin = System.nanoTime();
      while (read < records && System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(100));
        read += polled.count();
        if (!polled.isEmpty()) {
          consumer.commitSync();
        }
      }
      return rate(read, records, begin);
    }
  }

  /** {@code members} SDK consumers of one group; records/s until every record was handled. */
  private static double tributary(int port, String group, int members, int records)
      throws InterruptedException {
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    LongAdder handled = new LongAdder();
    List<TributaryClient> clients = new ArrayList<>();
    List<TopicConsumer.Running> running = new ArrayList<>();
    long begin = System.nanoTime();
    long deadline = begin + TIMEOUT.toNanos();
    try {
      for (int m = 0; m < members; m++) {
        TributaryClient c = TributaryClient.connect("http://127.0.0.1:" + port);
        c.login("root", ROOT_PASSWORD);
        clients.add(c);
        running.add(
            c.consumer("bench.feed")
                .group(group)
                .run(
                    r -> {
                      handled.increment();
                      seen.add(((long) r.partition() << 40) | r.offset());
                    }));
      }
      while (seen.size() < records && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      return rate(seen.size(), records, begin);
    } finally {
      running.forEach(TopicConsumer.Running::close);
      clients.forEach(TributaryClient::close);
    }
  }

  private static double rate(long read, int records, long beginNanos) {
    if (read < records) {
      throw new IllegalStateException(
          "Cannot measure: only " + read + " of " + records + " records arrived in " + TIMEOUT);
    }
    return records / ((System.nanoTime() - beginNanos) / 1e9);
  }

  private static void write(
      Path dir,
      boolean quick,
      int records,
      int users,
      int partitions,
      double raw,
      double one,
      double two)
      throws IOException {
    List<Map<String, Object>> checks =
        List.of(
            Checks.check(
                "consume throughput, one member, vs a plain Kafka consumer",
                String.format("%.0f%%", 100 * one / raw),
                ">= 70%",
                one / raw >= TARGET),
            Checks.check(
                "consume throughput, two members, vs a plain Kafka consumer",
                String.format("%.0f%%", 100 * two / raw),
                ">= 70%",
                two / raw >= TARGET));
    String md =
        "## Consume\n\n"
            + String.format(
                "%,d records of one topic (%d partitions, %d owners): a plain Kafka consumer read"
                    + " %,.0f records/s; Tributary's consumer group, through the SDK (gRPC stream,"
                    + " handler, ack per batch), %,.0f records/s with one member (%.0f%% of it)"
                    + " and %,.0f records/s with two (%.0f%%).%s\n\n",
                records,
                partitions,
                users,
                raw,
                one,
                100 * one / raw,
                two,
                100 * two / raw,
                quick ? " (--quick: sizes too small for figures to keep)" : "")
            + Checks.markdown(checks);
    System.out.println(md);
    if (dir == null) {
      return;
    }
    Files.createDirectories(dir);
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("records", records);
    options.put("users", users);
    options.put("partitions", partitions);
    options.put("quick", quick);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("scenario", "consume");
    json.put("machine", Machine.describe());
    json.put("options", options);
    json.put("checks", checks);
    json.put("latency_distributions", List.of());
    Map<String, Object> series = new LinkedHashMap<>();
    series.put("chart", "consume-throughput");
    series.put("title", "Consume throughput");
    series.put("x_label", "members");
    series.put("y_label", "records/s");
    series.put("series", "Tributary");
    series.put("points", List.of(List.of(1, one), List.of(2, two)));
    Map<String, Object> baseline = new LinkedHashMap<>(series);
    baseline.put("series", "plain Kafka consumer");
    baseline.put("points", List.of(List.of(1, raw)));
    json.put("series", List.of(series, baseline));
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("plain_kafka_records_per_second", raw);
    figures.put("tributary_one_member_records_per_second", one);
    figures.put("tributary_two_members_records_per_second", two);
    json.put("figures", figures);
    Files.writeString(dir.resolve("consume.json"), Json.write(json));
    Files.writeString(dir.resolve("consume.md"), md);
  }

  private static void progress(String format, Object... args) {
    System.err.println("[consume] " + String.format(format, args));
  }
}
