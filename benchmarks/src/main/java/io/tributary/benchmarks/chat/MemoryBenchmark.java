package io.tributary.benchmarks.chat;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.api.v1.Value;
import io.tributary.benchmarks.BenchmarkMain;
import io.tributary.benchmarks.GrpcChannels;
import io.tributary.benchmarks.Json;
import io.tributary.benchmarks.Pause;
import io.tributary.benchmarks.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * The memory scenario (issue 17, item 2): what connections and subscriptions cost the server, and a
 * reconnect storm. The server runs in its own JVM with Native Memory Tracking; every client runs in
 * this one. Phase 1: {@code --connections} connections, each a stream with 3–10 subscriptions
 * ({@code SUBSCRIBE TO mem.messages WHERE room = R}, rooms distinct per connection); then the
 * storm: rows are written at {@code --storm-rate} for {@code --storm-seconds} while {@code
 * --storm-share} of the connections drop, each at a random moment, and resume at once on a new
 * connection with the same token, each subscription from the last {@code _seq} it received; the
 * figure is the time until every subscription has every row of its room, and every receipt is
 * checked: 0 gaps, 0 duplicates. Phase 2, on a fresh server: {@code --big-subscriptions} idle
 * subscriptions over {@code --big-connections} connections. Each phase measures the server before
 * and after its connections ({@link ServerMemory}: RSS, live heap, NMT) and divides the difference.
 *
 * <p>The server lifts its per-user subscription limit and subscribe rate for this scenario (every
 * connection is one user). A main program, not a test: nothing here asserts on time. See {@code
 * benchmarks/README.md}.
 */
public final class MemoryBenchmark {
  static final String ROOT_PASSWORD = "memory-benchmark-root-password";
  static final String READER = "mem_reader";
  static final String READER_PASSWORD = "mem-reader-password";
  private static final int IN_FLIGHT = 256;
  private static final Progress PROGRESS = new Progress("[memory %6.1f s] %s");

  private MemoryBenchmark() {}

  public static void main(String[] args) {
    BenchmarkMain.runAndExit(
        args,
        MemoryOptions::parse,
        MemoryOptions::resultsDir,
        "memory",
        o -> {
          MemoryResult r = run(o);
          return new BenchmarkMain.Written(r.markdown(), () -> Json.write(r.toMap()));
        });
  }

  /** The reconnect storm's outcome. */
  record Storm(
      int dropped,
      int resumed,
      long written,
      long failedWrites,
      long expected,
      long deliveries,
      long gaps,
      long duplicates,
      long foreign,
      boolean caughtUp,
      double caughtUpSeconds,
      double afterLastResumeSeconds,
      String firstFailure) {

    boolean exact() {
      return caughtUp && gaps == 0 && duplicates == 0 && foreign == 0 && failedWrites == 0;
    }
  }

  /**
   * One phase: its connections and subscriptions, the server before them, after the first half and
   * after all of them (the per-unit figures divide the growth over the second half, {@code
   * measured*}), the storm.
   */
  record Phase(
      String name,
      int connections,
      int subscriptions,
      int measuredConnections,
      int measuredSubscriptions,
      double setupSeconds,
      ServerMemory before,
      ServerMemory middle,
      ServerMemory after,
      Storm storm,
      List<String> errors) {}

  static MemoryResult run(MemoryOptions o) throws Exception {
    Map<String, Object> machine = BenchmarkMain.describeMachine(PROGRESS);
    Random random = new Random(o.seed());
    List<int[]> small = new ArrayList<>();
    for (int c = 0; c < o.connections(); c++) {
      int k =
          o.minSubscriptions() + random.nextInt(o.maxSubscriptions() - o.minSubscriptions() + 1);
      Set<Integer> rooms = new LinkedHashSet<>();
      while (rooms.size() < k) {
        rooms.add(random.nextInt(o.rooms()));
      }
      small.add(rooms.stream().mapToInt(Integer::intValue).toArray());
    }
    Phase connections = phase("connections", small, o, true);
    Phase subscriptions = null;
    if (o.bigSubscriptions() > 0) {
      List<int[]> big = new ArrayList<>();
      int per = (o.bigSubscriptions() + o.bigConnections() - 1) / o.bigConnections();
      int next = 0;
      for (int c = 0; c < o.bigConnections() && next < o.bigSubscriptions(); c++) {
        int k = Math.min(per, o.bigSubscriptions() - next);
        int[] rooms = new int[k];
        for (int i = 0; i < k; i++) {
          rooms[i] = next++; // every subscription its own room
        }
        big.add(rooms);
      }
      subscriptions = phase("subscriptions", big, o, false);
    }
    return new MemoryResult(o, machine, connections, subscriptions);
  }

  private static Phase phase(String name, List<int[]> rooms, MemoryOptions o, boolean storm)
      throws Exception {
    Path dir = Files.createTempDirectory("tributary-memory-" + name);
    List<String> flags = new ArrayList<>(o.serverJvmFlags());
    flags.add("-XX:NativeMemoryTracking=summary");
    List<ManagedChannel> channels = new ArrayList<>();
    List<MemoryConnection> clients = new ArrayList<>();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    int subscriptions = rooms.stream().mapToInt(r -> r.length).sum();
    try (ServerJvm server =
        ServerJvm.start(
            flags,
            List.of(
                "tributary",
                dir.resolve("data").toString(),
                ROOT_PASSWORD,
                o.durability(),
                "unlimited"),
            dir.resolve("server.log"))) {
      int port = server.port();
      ManagedChannel admin = GrpcChannels.channel(port);
      channels.add(admin);
      CallCredentials root = GrpcChannels.bearer(GrpcChannels.login(admin, "root", ROOT_PASSWORD));
      GrpcChannels.execute(
          admin,
          root,
          "CREATE NAMESPACE mem;"
              + "CREATE SHARED TABLE "
              + MemoryConnection.TABLE
              + " (id BIGINT PRIMARY KEY, room BIGINT NOT NULL, content TEXT);"
              + "CREATE USER '"
              + READER
              + "' WITH PASSWORD '"
              + READER_PASSWORD
              + "' ROLE user");
      String token = GrpcChannels.login(admin, READER, READER_PASSWORD);
      // The storm's start position: a probe sees the _seq of a row written before any other.
      StormLedger probeLedger = new StormLedger(List.of(new int[] {-1}), -1);
      MemoryConnection probe = new MemoryConnection(0, new int[] {-1}, token, probeLedger, errors);
      String probeStream = probe.open(port).get(2, TimeUnit.MINUTES);
      probe.subscribe(probeStream, -1, -1).get(2, TimeUnit.MINUTES);
      channels.add(probe.channel());
      GrpcChannels.execute(
          admin,
          root,
          "INSERT INTO "
              + MemoryConnection.TABLE
              + " (id, room, content) VALUES (-1, -1, 'start')");
      if (!Pause.until(
          () -> probeLedger.deliveries() == 1, System.nanoTime() + TimeUnit.MINUTES.toNanos(2))) {
        throw new IllegalStateException("Cannot set up: the probe's row did not arrive");
      }
      long startSeq = probeLedger.resumeSeq(0, -1);
      ServerMemory before = ServerMemory.of(server.pid());
      PROGRESS.print(
          "%s: server up, %d MB RSS, %d KB live heap; opening %d connections",
          name, before.rssBytes() >> 20, before.liveHeapBytes() >> 10, rooms.size());

      long begin = System.nanoTime();
      StormLedger ledger = storm ? new StormLedger(rooms, startSeq) : null;
      for (int c = 0; c < rooms.size(); c++) {
        clients.add(new MemoryConnection(c, rooms.get(c), token, ledger, errors));
      }
      List<String> streamIds = new ArrayList<>(Collections.nCopies(rooms.size(), null));
      // Half the connections first, then the server is measured again, then the other half: the
      // growth over the second half leaves out what the first connections start once (thread
      // pools, buffers, compiled code).
      int half = rooms.size() / 2;
      connect(clients, streamIds, port, 0, half);
      ServerMemory middle = ServerMemory.of(server.pid());
      connect(clients, streamIds, port, half, rooms.size());
      int measuredSubscriptions = 0;
      for (int c = half; c < rooms.size(); c++) {
        measuredSubscriptions += rooms.get(c).length;
      }
      double setupSeconds = (System.nanoTime() - begin) / 1e9;
      ServerMemory after = ServerMemory.of(server.pid());
      PROGRESS.print(
          "%s: %d connections, %d subscriptions in %.1f s; %d MB RSS, %d KB live heap",
          name,
          rooms.size(),
          subscriptions,
          setupSeconds,
          after.rssBytes() >> 20,
          after.liveHeapBytes() >> 10);
      Storm result = null;
      if (storm) {
        result = storm(o, port, admin, root, clients, ledger);
        PROGRESS.print(
            "%s: storm: %d dropped, %d resumed, %d/%d deliveries, %d gaps, %d duplicates,"
                + " %d failed writes, caught up %s after the storm began%s",
            name,
            result.dropped(),
            result.resumed(),
            result.deliveries(),
            result.expected(),
            result.gaps(),
            result.duplicates(),
            result.failedWrites(),
            result.caughtUp()
                ? String.format("%.2f s", result.caughtUpSeconds())
                : "never (timed out)",
            result.firstFailure() == null ? "" : "; first failure: " + result.firstFailure());
      }
      return new Phase(
          name,
          rooms.size(),
          subscriptions,
          rooms.size() - half,
          measuredSubscriptions,
          setupSeconds,
          before,
          middle,
          after,
          result,
          List.copyOf(errors));
    } finally {
      for (MemoryConnection c : clients) {
        if (c.channel() != null) {
          channels.add(c.channel());
        }
      }
      GrpcChannels.shutdown(channels);
      BenchmarkMain.deleteRecursively(dir);
    }
  }

  private static Storm storm(
      MemoryOptions o,
      int port,
      ManagedChannel admin,
      CallCredentials root,
      List<MemoryConnection> clients,
      StormLedger ledger)
      throws InterruptedException {
    Random random = new Random(o.seed() + 2);
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < clients.size(); c++) {
      order.add(c);
    }
    Collections.shuffle(order, random);
    List<Integer> dropped = order.subList(0, (int) Math.round(o.stormShare() * clients.size()));
    List<Integer> rooms = new ArrayList<>(new LinkedHashSet<>(allRooms(clients)));
    ScheduledExecutorService exec = Executors.newScheduledThreadPool(4);
    CountDownLatch resumed = new CountDownLatch(dropped.size());
    AtomicLong resumedOk = new AtomicLong();
    AtomicLong lastResume = new AtomicLong();
    AtomicReference<String> failure = new AtomicReference<>();
    long stormNanos = (long) (o.stormSeconds() * 1e9);
    long t0 = System.nanoTime();
    for (int c : dropped) {
      MemoryConnection conn = clients.get(c);
      long delay = (long) (random.nextDouble() * stormNanos * 0.9);
      exec.schedule(
          () -> {
            try {
              conn.drop();
              String streamId = conn.open(port).get(2, TimeUnit.MINUTES);
              List<ListenableFuture<?>> subs = new ArrayList<>();
              for (int r : conn.rooms()) {
                subs.add(conn.subscribe(streamId, r, conn.resumeSeq(r)));
              }
              Futures.allAsList(subs).get(2, TimeUnit.MINUTES);
              resumedOk.incrementAndGet();
              lastResume.accumulateAndGet(System.nanoTime(), Math::max);
            } catch (Exception e) {
              failure.compareAndSet(null, "Cannot resume connection " + c + ": " + e);
            } finally {
              resumed.countDown();
            }
          },
          delay,
          TimeUnit.NANOSECONDS);
    }
    StatementServiceGrpc.StatementServiceFutureStub writer =
        StatementServiceGrpc.newFutureStub(admin).withCallCredentials(root);
    int total = (int) Math.round(o.stormRate() * o.stormSeconds());
    Semaphore inFlight = new Semaphore(1_000);
    AtomicLong failed = new AtomicLong();
    String insert =
        "INSERT INTO " + MemoryConnection.TABLE + " (id, room, content) VALUES ($1, $2, $3)";
    for (int n = 0; n < total; n++) {
      long when = t0 + Math.round(n * 1e9 / o.stormRate());
      long wait;
      while ((wait = when - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      inFlight.acquire();
      long id = n;
      int r = rooms.get(random.nextInt(rooms.size()));
      ListenableFuture<ExecuteResponse> f =
          writer.execute(
              ExecuteRequest.newBuilder()
                  .setSql(insert)
                  .addParams(Value.newBuilder().setBigintValue(id))
                  .addParams(Value.newBuilder().setBigintValue(r))
                  .addParams(Value.newBuilder().setTextValue("a message in the storm"))
                  .build());
      Futures.addCallback(
          f,
          new FutureCallback<>() {
            @Override
            public void onSuccess(ExecuteResponse response) {
              String error = null;
              for (StatementResult s : response.getResultsList()) {
                if (s.hasError()) {
                  error = s.getError().getMessage();
                }
              }
              if (error == null) {
                ledger.written(r, id);
              } else {
                failed.incrementAndGet();
                failure.compareAndSet(null, "Cannot write row " + id + ": " + error);
              }
              inFlight.release();
            }

            @Override
            public void onFailure(Throwable t) {
              failed.incrementAndGet();
              failure.compareAndSet(null, "Cannot write row " + id + ": " + t);
              inFlight.release();
            }
          },
          MoreExecutors.directExecutor());
    }
    long timeout = (long) (o.catchUpTimeoutSeconds() * 1e9);
    boolean caughtUp =
        inFlight.tryAcquire(1_000, timeout, TimeUnit.NANOSECONDS)
            && resumed.await(Math.max(1, timeout - (System.nanoTime() - t0)), TimeUnit.NANOSECONDS);
    caughtUp =
        caughtUp
            && Pause.until(
                () -> ledger.deliveries() >= ledger.expected() && ledger.gaps() == 0, t0 + timeout);
    long done = System.nanoTime();
    exec.shutdownNow();
    return new Storm(
        dropped.size(),
        (int) resumedOk.get(),
        total - failed.get(),
        failed.get(),
        ledger.expected(),
        ledger.deliveries(),
        ledger.gaps(),
        ledger.duplicates(),
        ledger.foreign(),
        caughtUp && resumedOk.get() == dropped.size(),
        (done - t0) / 1e9,
        lastResume.get() == 0 ? Double.NaN : (done - lastResume.get()) / 1e9,
        failure.get());
  }

  /** Opens connections {@code from..to-1}, then subscribes each to its rooms. */
  private static void connect(
      List<MemoryConnection> clients, List<String> streamIds, int port, int from, int to)
      throws InterruptedException {
    throttled(
        to - from,
        i ->
            clients
                .get(from + i)
                .open(port)
                .thenAccept(
                    id -> {
                      synchronized (streamIds) {
                        streamIds.set(from + i, id);
                      }
                    }),
        "open the connections");
    List<int[]> subs = new ArrayList<>(); // {connection, room}
    for (int c = from; c < to; c++) {
      for (int r : clients.get(c).rooms()) {
        subs.add(new int[] {c, r});
      }
    }
    throttled(
        subs.size(),
        i -> {
          int c = subs.get(i)[0];
          String id;
          synchronized (streamIds) {
            id = streamIds.get(c);
          }
          return completable(clients.get(c).subscribe(id, subs.get(i)[1], -1));
        },
        "subscribe");
  }

  private static List<Integer> allRooms(List<MemoryConnection> clients) {
    List<Integer> out = new ArrayList<>();
    for (MemoryConnection c : clients) {
      for (int r : c.rooms()) {
        out.add(r);
      }
    }
    return out;
  }

  /** Runs {@code op(0..n-1)}, at most {@link #IN_FLIGHT} at a time; fails on the first failure. */
  private static void throttled(int n, IntFunction<CompletableFuture<?>> op, String what)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    CountDownLatch done = new CountDownLatch(n);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < n && failure.get() == null; i++) {
      inFlight.acquire();
      op.apply(i)
          .whenComplete(
              (v, t) -> {
                if (t != null) {
                  failure.compareAndSet(null, t);
                }
                inFlight.release();
                done.countDown();
              });
    }
    if (failure.get() == null && !done.await(30, TimeUnit.MINUTES)) {
      throw new IllegalStateException("Cannot " + what + ": timed out");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("Cannot " + what + ": " + failure.get(), failure.get());
    }
  }

  private static <T> CompletableFuture<T> completable(ListenableFuture<T> f) {
    CompletableFuture<T> c = new CompletableFuture<>();
    Futures.addCallback(
        f,
        new FutureCallback<>() {
          @Override
          public void onSuccess(T value) {
            c.complete(value);
          }

          @Override
          public void onFailure(Throwable t) {
            c.completeExceptionally(t);
          }
        },
        MoreExecutors.directExecutor());
    return c;
  }
}
