package io.tributary.reliability.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.Subscription;
import io.tributary.client.TributaryClient;
import io.tributary.reliability.support.Reliability;
import io.tributary.reliability.support.ServerProcess;
import io.tributary.reliability.support.TrackingListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steady memory and no lost change under a long steady load (RELIABILITY.md, "Soak"). Eight writers
 * (one user each) first run flat out for a few seconds to measure the peak write rate, then write
 * at half of it for the soak: each write inserts a row into the user's USER table or into a SHARED
 * table, and once a writer holds a window of rows it deletes its oldest with every insert, so the
 * tables keep a steady size. Subscribers (one per user on the USER table, one on the SHARED table)
 * follow. Every few seconds the server's heap after a full GC and its RSS are sampled. At the end:
 * no write failed, every subscriber holds exactly the rows the acknowledged writes left and saw
 * exactly one change per acknowledged write, and the mean heap and RSS of the last third of the
 * samples are within the stated bound of the middle third's (the first third is the warm-up).
 */
class SoakTest {
  private static final Logger LOG = LoggerFactory.getLogger(SoakTest.class);

  /** Rows a writer keeps per table before it deletes its oldest with every insert. */
  private static final int WINDOW = 500;

  @TempDir Path dir;

  @Test
  void shouldKeepMemoryFlatAndLoseNoChangeAtHalfThePeakRate() throws Exception {
    long seed = Reliability.seed("soak");
    Random random = new Random(seed);
    int writerCount = 8;
    Duration peakPhase = Duration.ofSeconds(Reliability.size(5, 20));
    Duration soak = Duration.ofSeconds(Reliability.size(18, 30 * 60));
    Duration sampleEvery = Duration.ofSeconds(Reliability.size(2, 30));

    try (ServerProcess server = new ServerProcess("soak", dir.resolve("data"), "512m")) {
      server.start();
      try (TributaryClient root = TributaryClient.connect(server.url())) {
        root.login("root", ServerProcess.ROOT_PASSWORD);
        root.update(
            "CREATE NAMESPACE soak;"
                + "CREATE TABLE soak.events (id BIGINT PRIMARY KEY, val BIGINT, pad TEXT);"
                + "CREATE SHARED TABLE soak.shared (id BIGINT PRIMARY KEY, val BIGINT, pad TEXT)"
                + " WITH (ACCESS_LEVEL = 'public')");
        for (int i = 0; i < writerCount; i++) {
          root.update("CREATE USER 's" + i + "' WITH PASSWORD 'soak-password-" + i + "'");
        }
      }
      List<Writer> writers = new ArrayList<>();
      List<TributaryClient> readers = new ArrayList<>();
      List<Subscription> subscriptions = new ArrayList<>();
      Map<Writer, TrackingListener> eventFollowers = new LinkedHashMap<>();
      TrackingListener sharedFollower = new TrackingListener("s0 SUBSCRIBE TO soak.shared");
      try {
        for (int i = 0; i < writerCount; i++) {
          Writer w = new Writer(i, server.url(), new Random(random.nextLong()));
          writers.add(w);
          TributaryClient reader = TributaryClient.connect(server.url(), Duration.ofSeconds(60));
          reader.login(w.user, "soak-password-" + i);
          readers.add(reader);
          TrackingListener listener = new TrackingListener(w.user + " SUBSCRIBE TO soak.events");
          subscriptions.add(reader.subscribe("SUBSCRIBE TO soak.events", listener));
          eventFollowers.put(w, listener);
          if (i == 0) {
            subscriptions.add(reader.subscribe("SUBSCRIBE TO soak.shared", sharedFollower));
          }
        }

        // Peak: every writer flat out.
        runWriters(writers, 0, peakPhase);
        long peakOps = writers.stream().mapToLong(w -> w.acked.get()).sum();
        double peakRate = peakOps / (peakPhase.toNanos() / 1e9);
        double soakRate = peakRate / 2;
        LOG.info(
            "soak: peak {} writes/s over {} s; soaking at {} writes/s for {} s",
            Math.round(peakRate),
            peakPhase.toSeconds(),
            Math.round(soakRate),
            soak.toSeconds());

        // Soak at half the peak, sampling heap after GC and RSS.
        long ackedBeforeSoak = writers.stream().mapToLong(w -> w.acked.get()).sum();
        List<long[]> samples = Collections.synchronizedList(new ArrayList<>());
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        long soakStart = System.nanoTime();
        sampler.scheduleAtFixedRate(
            () -> {
              try {
                samples.add(
                    new long[] {
                      (System.nanoTime() - soakStart) / 1_000_000,
                      server.heapAfterGc(),
                      server.rssBytes()
                    });
              } catch (Exception e) {
                samples.add(new long[] {-1, -1, -1});
              }
            },
            0,
            sampleEvery.toMillis(),
            TimeUnit.MILLISECONDS);
        runWriters(writers, soakRate / writerCount, soak);
        sampler.shutdown();
        assertThat(sampler.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
        long soakOps = writers.stream().mapToLong(w -> w.acked.get()).sum() - ackedBeforeSoak;
        double achievedRate = soakOps / (soak.toNanos() / 1e9);

        // Every acknowledged change reaches every matching subscriber, once.
        TreeMap<Long, Long> sharedRows = new TreeMap<>();
        long sharedChanges = 0;
        for (Writer w : writers) {
          assertThat(w.errors).as("errors of writer %s", w.user).isEmpty();
          sharedRows.putAll(w.rows.get("soak.shared"));
          sharedChanges += w.changes.get("soak.shared");
        }
        for (Writer w : writers) {
          TrackingListener follower = eventFollowers.get(w);
          assertDelivered(follower, w.rows.get("soak.events"), w.changes.get("soak.events"));
        }
        assertDelivered(sharedFollower, sharedRows, sharedChanges);
        assertThat(server.health()).isEqualTo(200);

        // Flat memory: the last third of the samples against the middle third. The first third
        // holds the warm-up, in which the stores' memtables and caches fill to their limits (a
        // 30-minute run here: RSS 549 → 610 MiB in its first 10 minutes, then flat).
        assertThat(samples).noneMatch(s -> s[0] < 0);
        int third = samples.size() / 3;
        assertThat(third).as("samples per third").isGreaterThanOrEqualTo(2);
        List<long[]> first = samples.subList(0, third);
        List<long[]> middle = samples.subList(third, 2 * third);
        List<long[]> last = samples.subList(samples.size() - third, samples.size());
        double heapFirst = mean(first, 1);
        double heapMiddle = mean(middle, 1);
        double heapLast = mean(last, 1);
        double rssFirst = mean(first, 2);
        double rssMiddle = mean(middle, 2);
        double rssLast = mean(last, 2);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("seed", seed);
        figures.put("size", Reliability.full() ? "full" : "bounded");
        figures.put("writers", writerCount);
        figures.put("subscribers", writerCount + 1);
        figures.put("peakWritesPerSecond", Math.round(peakRate));
        figures.put("targetWritesPerSecond", Math.round(soakRate));
        figures.put("achievedWritesPerSecond", Math.round(achievedRate));
        figures.put("soakSeconds", soak.toSeconds());
        figures.put("ackedWritesInSoak", soakOps);
        figures.put("samples", samples.size());
        figures.put("heapAfterGcFirstThirdMiB", mib(heapFirst));
        figures.put("heapAfterGcMiddleThirdMiB", mib(heapMiddle));
        figures.put("heapAfterGcLastThirdMiB", mib(heapLast));
        figures.put("rssFirstThirdMiB", mib(rssFirst));
        figures.put("rssMiddleThirdMiB", mib(rssMiddle));
        figures.put("rssLastThirdMiB", mib(rssLast));
        figures.put("maxHeap", "512m");
        figures.put("machine", Reliability.machine());
        figures.put("date", java.time.Instant.now().toString());
        List<Object> series = new ArrayList<>();
        synchronized (samples) {
          for (long[] s : samples) {
            series.add(List.of(s[0], s[1] >> 20, s[2] >> 20));
          }
        }
        figures.put("samplesMsHeapMiBRssMiB", series);
        Reliability.writeFigures("soak", figures);

        assertThat(heapLast)
            .as("heap after GC, last third vs middle third (bytes)")
            .isLessThanOrEqualTo(Math.max(heapMiddle * 1.10, heapMiddle + (16 << 20)));
        assertThat(rssLast)
            .as("RSS, last third vs middle third (bytes)")
            .isLessThanOrEqualTo(Math.max(rssMiddle * 1.10, rssMiddle + (32 << 20)));
        assertThat(achievedRate).as("achieved rate").isGreaterThan(soakRate * 0.8);
      } finally {
        subscriptions.forEach(Subscription::close);
        readers.forEach(TributaryClient::close);
        writers.forEach(Writer::close);
      }
      server.stop();
    }
  }

  private static void assertDelivered(
      TrackingListener follower, Map<Long, Long> expectedRows, long expectedChanges) {
    Map<Long, Long> expected = new TreeMap<>(expectedRows);
    await(follower.name() + " catching up")
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(
            () -> {
              Map<Long, Long> held = new TreeMap<>();
              follower.rows().forEach((id, row) -> held.put(id, row.get(0)));
              assertThat(held).isEqualTo(expected);
              assertThat(follower.changes()).isEqualTo(expectedChanges);
            });
    assertThat(follower.violations()).as(follower.name()).isEmpty();
  }

  private static double mean(List<long[]> samples, int column) {
    return samples.stream().mapToLong(s -> s[column]).average().orElseThrow();
  }

  private static long mib(double bytes) {
    return Math.round(bytes / (1 << 20));
  }

  /**
   * Runs every writer for {@code duration}, each at {@code ratePerWriter} writes per second (0:
   * flat out), and waits for them.
   */
  private static void runWriters(List<Writer> writers, double ratePerWriter, Duration duration)
      throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    List<Thread> threads = new ArrayList<>();
    for (Writer w : writers) {
      Thread t = new Thread(() -> w.run(ratePerWriter, end), "soak-" + w.user);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  /** One user inserting into its USER table and the SHARED table, deleting its oldest rows. */
  static final class Writer implements AutoCloseable {
    final String user;
    final TributaryClient client;
    final Random random;
    final AtomicLong acked = new AtomicLong();
    final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    final Map<String, TreeMap<Long, Long>> rows =
        Map.of("soak.events", new TreeMap<>(), "soak.shared", new TreeMap<>());
    final Map<String, Long> changes =
        new java.util.HashMap<>(Map.of("soak.events", 0L, "soak.shared", 0L));
    private final long idBase;
    private long nextId = 1;

    Writer(int index, String url, Random random) {
      this.user = "s" + index;
      this.random = random;
      this.idBase = (index + 1) * 1_000_000_000L;
      client = TributaryClient.connect(url, Duration.ofSeconds(60));
      client.login(user, "soak-password-" + index);
    }

    void run(double ratePerSecond, long endNanos) {
      long interval = ratePerSecond <= 0 ? 0 : (long) (1e9 / ratePerSecond);
      long next = System.nanoTime();
      while (System.nanoTime() < endNanos && errors.isEmpty()) {
        if (interval > 0) {
          next += interval;
          long wait = next - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait); // pacing, not synchronization
          }
        }
        String table = random.nextBoolean() ? "soak.events" : "soak.shared";
        TreeMap<Long, Long> held = rows.get(table);
        long id = idBase + nextId++;
        long val = random.nextInt(1_000_000);
        try {
          client.update(
              "INSERT INTO " + table + " (id, val, pad) VALUES ($1, $2, $3)",
              id,
              val,
              "soak row of " + user);
          changes.merge(table, 1L, Long::sum);
          held.put(id, val);
          if (held.size() > WINDOW) {
            long oldest = held.firstKey();
            client.update("DELETE FROM " + table + " WHERE id = $1", oldest);
            held.remove(oldest);
            changes.merge(table, 1L, Long::sum);
          }
          acked.incrementAndGet();
        } catch (RuntimeException e) {
          errors.add(user + ": " + e);
        }
      }
    }

    @Override
    public void close() {
      client.close();
    }
  }
}
