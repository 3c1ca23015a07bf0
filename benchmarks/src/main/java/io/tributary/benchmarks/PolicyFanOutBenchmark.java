package io.tributary.benchmarks;

import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Group-chat fan-out with and without a row policy, in the same run on the same server: {@code
 * conversations} conversations of 2 to 10 members (each user in one), every member subscribed.
 * Unpoliced, each member subscribes {@code WHERE conversation_id = X} to a SHARED table without
 * policies (the equality index); policed, each member subscribes to the whole of a SHARED table
 * whose SELECT policy is the membership term, and the index offers a message only to its
 * conversation's members. The same closed-loop writers insert into one table, then the other.
 * Reports deliveries/s and insert → client latency of each and their ratio (target: policed ≥ 0.8×
 * the deliveries/s, p99 within 20%).
 *
 * <p>Both phases get the same load: with {@code --rate r} (messages/s over all writers, the
 * default) the writers are open-loop, each sending at its share of {@code r}, so both phases offer
 * the same messages whatever the server does; {@code --rate 0} makes them closed-loop (as fast as
 * acknowledgements come). {@code --repetitions k} runs the two phases k times, alternating which
 * goes first, and reports every repetition and the median ratio. {@code --partitioned} declares
 * both message tables {@code WITH (PARTITION_KEY = 'conversation_id')}, keyed by {@code
 * (conversation_id, id)} (off by default, to compare with the one-partition form); the policed
 * subscriptions, which fix no conversation, then follow every partition.
 *
 * <p>A main program, not a test. {@code --conversations n --seconds s --writers w --rate r
 * --repetitions k [--partitioned]}; writes {@code benchmarks/results/<date>-policy-fanout.md}.
 */
public final class PolicyFanOutBenchmark {
  private static final String ROOT_PASSWORD = "policy-benchmark-root-password";

  private PolicyFanOutBenchmark() {}

  private record Phase(
      String name, long messages, long deliveries, double seconds, Latency latency) {
    double deliveriesPerSecond() {
      return deliveries / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    int conversations = intArg(args, "--conversations", 100);
    int seconds = intArg(args, "--seconds", 20);
    int writers = intArg(args, "--writers", 4);
    int rate = intArg(args, "--rate", 400);
    int repetitions = intArg(args, "--repetitions", 3);
    boolean partitioned = List.of(args).contains("--partitioned");
    // A PARTITION_KEY must be the first primary key column: (conversation_id, id) when partitioned.
    String messageColumns =
        partitioned
            ? " (id BIGINT DEFAULT SNOWFLAKE_ID(), conversation_id BIGINT NOT NULL, sent_at BIGINT,"
                + " PRIMARY KEY (conversation_id, id)) WITH (PARTITION_KEY = 'conversation_id')"
            : " (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), conversation_id BIGINT NOT NULL,"
                + " sent_at BIGINT)";
    Path dir = Files.createTempDirectory("tributary-policy-fanout");
    List<TributaryClient> opened = new ArrayList<>();
    String report;
    try (TributaryServer server =
        TributaryServer.start(
            ServerConfig.defaults().withDataDir(dir).withPort(0).withRootPassword(ROOT_PASSWORD))) {
      String url = "http://127.0.0.1:" + server.port();
      TributaryClient root = login(url, "root", ROOT_PASSWORD, opened);
      root.update(
          "CREATE NAMESPACE pbench;"
              + "CREATE SHARED TABLE pbench.members (id BIGINT PRIMARY KEY, conversation_id BIGINT"
              + " NOT NULL, user_name TEXT NOT NULL);"
              + "CREATE SHARED TABLE pbench.open_messages"
              + messageColumns
              + ";CREATE SHARED TABLE pbench.policed_messages"
              + messageColumns
              + ";"
              + "CREATE POLICY members_read ON pbench.policed_messages FOR SELECT USING"
              + " (conversation_id IN (SELECT conversation_id FROM pbench.members WHERE user_name"
              + " = CURRENT_USER()))");
      List<String> users = new ArrayList<>();
      List<Integer> conversationOf = new ArrayList<>();
      for (int c = 0; c < conversations; c++) {
        int size = 2 + c % 9;
        for (int m = 0; m < size; m++) {
          String user = "pb_" + c + "_" + m;
          root.update("CREATE USER '" + user + "' WITH PASSWORD 'pb-password' ROLE user");
          root.update(
              "INSERT INTO pbench.members VALUES ($1, $2, $3)",
              (long) users.size(),
              (long) c,
              user);
          users.add(user);
          conversationOf.add(c);
        }
      }
      List<TributaryClient> members = new ArrayList<>();
      for (String user : users) {
        members.add(login(url, user, "pb-password", opened));
      }
      List<TributaryClient> writing = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        writing.add(login(url, "root", ROOT_PASSWORD, opened));
      }
      List<Phase[]> runs = new ArrayList<>();
      for (int r = 0; r < repetitions; r++) {
        Phase open = null;
        Phase policed = null;
        // Alternating which phase goes first spreads a drift of the machine over both.
        for (int k = 0; k < 2; k++) {
          if ((r + k) % 2 == 0) {
            open =
                phase(
                    "no policy (WHERE conversation_id = X)",
                    "pbench.open_messages",
                    members,
                    i ->
                        "SUBSCRIBE TO pbench.open_messages WHERE conversation_id = "
                            + conversationOf.get(i),
                    writing,
                    conversations,
                    seconds,
                    rate);
          } else {
            policed =
                phase(
                    "row policy (membership index)",
                    "pbench.policed_messages",
                    members,
                    i -> "SUBSCRIBE TO pbench.policed_messages",
                    writing,
                    conversations,
                    seconds,
                    rate);
          }
        }
        runs.add(new Phase[] {open, policed});
      }
      report = report(conversations, users.size(), writers, seconds, rate, partitioned, runs);
    } finally {
      for (TributaryClient c : opened) {
        c.close();
      }
    }
    System.out.println(report);
    Path out = Path.of("benchmarks/results/" + LocalDate.now(ZoneOffset.UTC) + "-policy-fanout.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report, StandardCharsets.UTF_8);
    System.exit(0); // the embedded broker leaves non-daemon threads behind for a while
  }

  private static Phase phase(
      String name,
      String table,
      List<TributaryClient> members,
      IntFunction<String> subscription,
      List<TributaryClient> writers,
      int conversations,
      int seconds,
      int rate)
      throws InterruptedException {
    AtomicLong deliveries = new AtomicLong();
    Histogram latency = new ConcurrentHistogram(600_000_000L, 3);
    long warmUpEnd = System.nanoTime() + Duration.ofSeconds(Math.max(1, seconds / 4)).toNanos();
    long end = warmUpEnd + Duration.ofSeconds(seconds).toNanos();
    List<Subscription> subs = new ArrayList<>();
    for (int i = 0; i < members.size(); i++) {
      subs.add(
          members
              .get(i)
              .subscribe(
                  subscription.apply(i),
                  new SubscriptionListener() {
                    @Override
                    public void onInsert(Row row, long seq) {
                      long now = System.nanoTime();
                      if (now >= warmUpEnd && now < end) {
                        deliveries.incrementAndGet();
                        Latency.record(latency, now - row.getLong("sent_at"));
                      }
                    }

                    @Override
                    public void onUpdate(Row oldRow, Row newRow, long seq) {}

                    @Override
                    public void onDelete(Row row, long seq) {}
                  }));
    }
    AtomicLong messages = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (TributaryClient writer : writers) {
      Thread t =
          new Thread(
              () -> {
                String sql = "INSERT INTO " + table + " (conversation_id, sent_at) VALUES ($1, $2)";
                // Open-loop: each writer sends at its share of the rate, on a fixed schedule
                // (latency counts from the scheduled time, so a stalled server is not hidden).
                long every = rate > 0 ? 1_000_000_000L * writers.size() / rate : 0;
                long next = System.nanoTime();
                while (System.nanoTime() < end) {
                  if (every > 0) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                      java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                  }
                  long c = ThreadLocalRandom.current().nextInt(conversations);
                  writer.update(sql, c, every > 0 ? next : System.nanoTime());
                  messages.incrementAndGet();
                  next += every;
                }
              },
              "policy-bench-writer");
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    Thread.sleep(2_000); // deliveries after the window are not counted; let the tail drain
    for (Subscription s : subs) {
      s.close();
    }
    return new Phase(name, messages.get(), deliveries.get(), seconds, Latency.of(latency));
  }

  private static String report(
      int conversations,
      int users,
      int writers,
      int seconds,
      int rate,
      boolean partitioned,
      List<Phase[]> runs) {
    StringBuilder md = new StringBuilder();
    md.append("# Group-chat fan-out with and without a row policy\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%s, commit %s, %d CPUs, load average %.1f. %d conversations of 2-10 members (%d users,"
                + " one subscription each), %d writers (%s), %d s measured after a warm-up, %d"
                + " repetitions alternating which phase goes first, message tables %s. A smoke run"
                + " on a shared machine: figures are not trustworthy.\n\n",
            Instant.now(),
            System.getProperty("tributary.commit", "see git log"),
            Runtime.getRuntime().availableProcessors(),
            java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage(),
            conversations,
            users,
            writers,
            rate > 0 ? "open-loop, " + rate + " messages/s in all" : "closed-loop",
            seconds,
            runs.size(),
            partitioned ? "WITH (PARTITION_KEY = 'conversation_id')" : "not partitioned"));
    md.append(
        "| Repetition | Phase | messages | deliveries/s | p50 ms | p99 ms | max ms |"
            + " deliveries/s ratio | p99 ratio |\n");
    md.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    List<Double> throughput = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    for (int r = 0; r < runs.size(); r++) {
      Phase open = runs.get(r)[0];
      Phase policed = runs.get(r)[1];
      double t = policed.deliveriesPerSecond() / open.deliveriesPerSecond();
      double l = policed.latency().p99() / open.latency().p99();
      throughput.add(t);
      p99.add(l);
      for (Phase p : List.of(open, policed)) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %d | %s | %d | %.0f | %.2f | %.2f | %.2f | %s | %s |\n",
                r + 1,
                p.name(),
                p.messages(),
                p.deliveriesPerSecond(),
                p.latency().p50(),
                p.latency().p99(),
                p.latency().max(),
                p == policed ? String.format(Locale.ROOT, "%.2f×", t) : "",
                p == policed ? String.format(Locale.ROOT, "%.2f×", l) : ""));
      }
    }
    double t = median(throughput);
    double l = median(p99);
    md.append(
        String.format(
            Locale.ROOT,
            "\nMedian ratio policed / unpoliced over %d repetitions (those with deliveries in both"
                + " phases): deliveries/s %.2f× (target ≥ 0.8×: %s), p99 %.2f× (target ≤ 1.2×:"
                + " %s).\n",
            runs.size(),
            t,
            t >= 0.8 ? "met" : "missed",
            l,
            l <= 1.2 ? "met" : "missed"));
    return md.toString();
  }

  /** The median of the values that are numbers (a repetition without deliveries has none). */
  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>();
    for (double v : values) {
      if (Double.isFinite(v)) {
        sorted.add(v);
      }
    }
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    sorted.sort(Double::compare);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static TributaryClient login(
      String url, String user, String password, List<TributaryClient> opened) {
    TributaryClient client = TributaryClient.connect(url);
    opened.add(client);
    client.login(user, password);
    return client;
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
