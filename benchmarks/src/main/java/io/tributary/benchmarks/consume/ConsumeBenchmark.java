package io.tributary.benchmarks.consume;

import io.tributary.benchmarks.Checks;
import io.tributary.benchmarks.Json;
import io.tributary.benchmarks.Machine;
import io.tributary.benchmarks.Options;
import io.tributary.client.TopicConsumer;
import io.tributary.client.TributaryClient;
import io.tributary.log.LogTopics;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.TopicRecord;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consume throughput (DESIGN.md section 6, issue 14): records/s that one member, and two members,
 * of a Tributary consumer group receive through the SDK's {@code consumer(...).run(...)} (gRPC
 * consume stream, handler, ack per batch), beside a plain Kafka consumer reading the same topic on
 * the same broker in the same run. The target is at least 70% of the plain consumer.
 *
 * <p>Fair to both sides: each reads the same records of the same topic from the same broker, from a
 * fresh group, committing after each batch; each decodes every record (the plain consumer its topic
 * record and row values, as a real consumer of the topic would; Tributary's SDK hands the handler
 * the decoded row) and does the same per-record handler work; neither side's clock counts
 * connecting or logging in, both count joining the group. Each repetition runs all three, and every
 * repetition is reported; the checks use the median of the repetitions.
 *
 * <p>Options: {@code --records} (default 100,000; {@code --quick} 2,000), {@code --users} (8),
 * {@code --partitions} (4), {@code --repetitions} (3; {@code --quick} 1), {@code --results-dir}
 * ({@code none} writes nothing), {@code --quick}.
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
    int repetitions =
        Options.positiveInt("repetitions", kv.getOrDefault("repetitions", quick ? "1" : "3"));
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

      List<double[]> runs = new ArrayList<>();
      for (int rep = 1; rep <= repetitions; rep++) {
        double raw = plainKafka(server.logBootstrapServers(), topic, "plain-" + rep, records);
        progress("[%d] plain Kafka consumer: %,.0f records/s", rep, raw);
        double one = tributary(server.port(), "one-" + rep, 1, records);
        progress("[%d] Tributary, one member: %,.0f records/s (%.0f%%)", rep, one, 100 * one / raw);
        double two = tributary(server.port(), "two-" + rep, 2, records);
        progress(
            "[%d] Tributary, two members: %,.0f records/s (%.0f%%)", rep, two, 100 * two / raw);
        runs.add(new double[] {raw, one, two});
      }
      write(resultsDir, quick, records, users, partitions, runs);
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

  /** The types of a row of bench.events, as the plain consumer decodes it. */
  private static final List<ColumnType> ROW_TYPES = List.of(ColumnType.BIGINT, ColumnType.TEXT);

  /**
   * A plain consumer in a fresh group from the earliest offset, decoding each record (topic record,
   * then row values) and doing the handler's work; records/s until all are read.
   */
  private static double plainKafka(String bootstrap, String topic, String group, int records) {
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + group);
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
        for (ConsumerRecord<byte[], byte[]> r : polled) {
          TopicRecord record = TopicRecord.decode(r.value());
          Object[] row = RowCodec.decode(ROW_TYPES, record.row());
          if (row[0] != null) {
            seen.add(((long) r.partition() << 40) | r.offset());
          }
        }
        read = seen.size();
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
    try {
      for (int m = 0; m < members; m++) {
        TributaryClient c = TributaryClient.connect("http://127.0.0.1:" + port);
        c.login("root", ROOT_PASSWORD);
        clients.add(c);
      }
      long begin = System.nanoTime();
      long deadline = begin + TIMEOUT.toNanos();
      for (TributaryClient c : clients) {
        running.add(
            c.consumer("bench.feed")
                .group(group)
                .run(
                    r -> {
                      handled.increment();
                      if (r.row() != null) {
                        seen.add(((long) r.partition() << 40) | r.offset());
                      }
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

  private static double median(List<double[]> runs, int i) {
    double[] v = runs.stream().mapToDouble(r -> r[i]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static void write(
      Path dir, boolean quick, int records, int users, int partitions, List<double[]> runs)
      throws IOException {
    double raw = median(runs, 0);
    double one = median(runs, 1);
    double two = median(runs, 2);
    // The checks compare within each repetition (both sides ran under the same conditions).
    double oneRatio = median(runs.stream().map(r -> new double[] {r[1] / r[0]}).toList(), 0);
    double twoRatio = median(runs.stream().map(r -> new double[] {r[2] / r[0]}).toList(), 0);
    List<Map<String, Object>> checks =
        List.of(
            Checks.check(
                "consume throughput, one member, vs a plain Kafka consumer",
                String.format("%.0f%%", 100 * oneRatio),
                ">= 70%",
                oneRatio >= TARGET),
            Checks.check(
                "consume throughput, two members, vs a plain Kafka consumer",
                String.format("%.0f%%", 100 * twoRatio),
                ">= 70%",
                twoRatio >= TARGET));
    StringBuilder table =
        new StringBuilder(
            "| repetition | plain Kafka consumer | Tributary, one member | Tributary, two members"
                + " |\n|---|---|---|---|\n");
    List<Map<String, Object>> repetitions = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      double[] r = runs.get(i);
      table.append(
          String.format(
              "| %d | %,.0f/s | %,.0f/s (%.0f%%) | %,.0f/s (%.0f%%) |%n",
              i + 1, r[0], r[1], 100 * r[1] / r[0], r[2], 100 * r[2] / r[0]));
      Map<String, Object> rep = new LinkedHashMap<>();
      rep.put("repetition", i + 1);
      rep.put("plain_kafka_records_per_second", r[0]);
      rep.put("tributary_one_member_records_per_second", r[1]);
      rep.put("tributary_two_members_records_per_second", r[2]);
      repetitions.add(rep);
    }
    String md =
        "## Consume\n\n"
            + String.format(
                "%,d records of one topic (%d partitions, %d owners), %d repetition(s), medians: a"
                    + " plain Kafka consumer read %,.0f records/s; Tributary's consumer group,"
                    + " through the SDK (gRPC stream, handler, ack per batch), %,.0f records/s with"
                    + " one member and %,.0f records/s with two; median ratio to the plain consumer"
                    + " of the same repetition %.0f%% and %.0f%%.%s\n\n",
                records,
                partitions,
                users,
                runs.size(),
                raw,
                one,
                two,
                100 * oneRatio,
                100 * twoRatio,
                quick ? " (--quick: sizes too small for figures to keep)" : "")
            + table
            + "\n"
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
    options.put("repetitions", runs.size());
    options.put("quick", quick);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("scenario", "consume");
    json.put("machine", Machine.describe());
    json.put("options", options);
    json.put("checks", checks);
    json.put("latency_distributions", List.of());
    Map<String, Object> series = new LinkedHashMap<>();
    series.put("chart", "consume-throughput");
    series.put("title", "Consume throughput (medians)");
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
    json.put("repetitions", repetitions);
    Files.writeString(dir.resolve("consume.json"), Json.write(json));
    Files.writeString(dir.resolve("consume.md"), md);
  }

  private static void progress(String format, Object... args) {
    System.err.println("[consume] " + String.format(format, args));
  }
}
