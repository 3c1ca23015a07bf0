package io.tributary.benchmarks;

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
import io.tributary.benchmarks.chat.ChatBenchmark;
import io.tributary.benchmarks.chat.ServerJvm;
import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.LongToIntFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Group-chat fan-out with and without a row policy (issue 16), in the same run on the same server:
 * {@code --conversations} conversations of 2 to 10 members (each user in one), every member
 * subscribed once. Unpoliced, each member subscribes {@code WHERE conversation_id = X} to a SHARED
 * table without policies (the equality index); policed, each member subscribes to the whole of a
 * SHARED table whose SELECT policy is the membership term, and the index offers a message only to
 * its conversation's members. The same writers insert into one table, then the other.
 *
 * <p>The server runs in its own JVM ({@link ServerJvm}: {@code chat.ChatServerMain}); the member
 * connections (the SDK, one per user) and the writers (gRPC, one connection each) run in this one.
 * Each phase of each repetition subscribes, runs the load until latency is steady ({@link
 * SteadyWarmUp}: the p99 of what is received per window, and both JVMs' JIT compilers quiet), then
 * measures {@code --seconds}: the messages scheduled in that window, each counted when it reaches
 * each member (latency from its <b>scheduled</b> send, open loop on an absolute schedule at {@code
 * --rate}, or closed loop with {@code --rate 0}), after which it waits for their last deliveries
 * and unsubscribes. {@code --repetitions k} runs both phases k times, alternating which goes first;
 * every repetition is reported, with the median ratios against issue 16's targets (policed ≥ 0.8×
 * the unpoliced deliveries/s, p99 within 20%). {@code --partitioned} declares both message tables
 * {@code WITH (PARTITION_KEY = 'conversation_id')}.
 *
 * <p>A main program, not a test: nothing here asserts on time. Options: {@link
 * PolicyFanOutOptions#USAGE}; writes {@code policy-fanout.md} and {@code .json} to {@code
 * --results-dir}.
 */
public final class PolicyFanOutBenchmark {
  static final String ROOT_PASSWORD = "policy-benchmark-root-password";
  static final String MEMBER_PASSWORD = "pb-password";
  static final String OPEN = "no policy (WHERE conversation_id = X)";
  static final String POLICED = "row policy (membership index)";

  /** Latency is steady when the last windows' p99 are within 25% of each other ... */
  static final double LATENCY_SPREAD = 1.25;

  /** ... or within 5 ms (a p99 of a few milliseconds jitters by more than 25%). */
  static final double LATENCY_SLACK_MS = 5;

  /**
   * ... and the deliveries received in each of them within 10% of those sent in it (else a backlog
   * is growing or draining, whatever its p99: the window counts as not steady).
   */
  static final double MAX_IMBALANCE = 0.1;

  /** The longest wait for the last acknowledgements of a phase (they count as failed after it). */
  private static final long ACK_TIMEOUT_SECONDS = 120;

  /** The measured window starts this far after it is announced, past every send in progress. */
  private static final long MEASURE_LEAD_NANOS = 100_000_000;

  private static final long MAX_MICROS = 600_000_000L;
  private static final Progress PROGRESS = new Progress("[policy-fanout %6.1f s] %s");

  private PolicyFanOutBenchmark() {}

  public static void main(String[] args) {
    BenchmarkMain.runAndExit(
        args,
        PolicyFanOutOptions::parse,
        PolicyFanOutOptions::resultsDir,
        "policy-fanout",
        o -> {
          PolicyFanOutResult r = run(o);
          return new BenchmarkMain.Written(r.markdown(), () -> Json.write(r.toMap()));
        });
  }

  /** One measured phase, with the warm-up before it. */
  record Phase(
      String name,
      int repetition,
      int order,
      SteadyWarmUp.Result warmUp,
      long messages,
      double seconds,
      double lateSeconds,
      long expected,
      long deliveries,
      long foreign,
      long failures,
      String firstFailure,
      double deliverySeconds,
      Histogram latencyMicros,
      double serverCores,
      double clientCores) {

    /** Deliveries of the window's messages over the time they took to arrive. */
    double deliveriesPerSecond() {
      return deliveries / deliverySeconds;
    }

    double sentPerSecond() {
      return messages / seconds;
    }

    Latency latency() {
      return Latency.of(latencyMicros);
    }

    /** Every message reached every member of its conversation, nobody else, and was accepted. */
    boolean exact() {
      return deliveries == expected && foreign == 0 && failures == 0;
    }
  }

  /** Who is in which conversation: conversation {@code c} has {@code 2 + c % 9} members. */
  record World(int conversations, List<String> users, int[] conversationOf) {
    static World of(int conversations) {
      List<String> users = new ArrayList<>();
      List<Integer> of = new ArrayList<>();
      for (int c = 0; c < conversations; c++) {
        for (int m = 0; m < size(c); m++) {
          users.add("pb_" + c + "_" + m);
          of.add(c);
        }
      }
      return new World(conversations, users, of.stream().mapToInt(Integer::intValue).toArray());
    }

    static int size(int conversation) {
      return 2 + conversation % 9;
    }
  }

  static PolicyFanOutResult run(PolicyFanOutOptions o) throws Exception {
    Map<String, Object> machine = BenchmarkMain.describeMachine(PROGRESS);
    World world = World.of(o.conversations());
    String columns =
        o.partitioned()
            // A PARTITION_KEY must be the first primary key column: (conversation_id, id).
            ? " (id BIGINT DEFAULT SNOWFLAKE_ID(), conversation_id BIGINT NOT NULL, sent_at BIGINT,"
                + " PRIMARY KEY (conversation_id, id)) WITH (PARTITION_KEY = 'conversation_id')"
            : " (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), conversation_id BIGINT NOT NULL,"
                + " sent_at BIGINT)";
    Path dir = Files.createTempDirectory("tributary-policy-fanout");
    List<ManagedChannel> channels = new ArrayList<>();
    List<TributaryClient> members = new ArrayList<>();
    List<Phase> phases = new ArrayList<>();
    try (ServerJvm server =
        ServerJvm.start(
            o.serverJvmFlags(),
            List.of("tributary", dir.resolve("data").toString(), ROOT_PASSWORD, o.durability()),
            dir.resolve("server.log"))) {
      int port = server.port();
      ManagedChannel admin = GrpcChannels.channel(port);
      channels.add(admin);
      CallCredentials root = GrpcChannels.bearer(GrpcChannels.login(admin, "root", ROOT_PASSWORD));
      setUp(admin, root, columns, world);
      PROGRESS.print(
          "server up in its own JVM (pid %d); %d users in %d conversations; logging them in",
          server.pid(), world.users().size(), o.conversations());
      String url = "http://127.0.0.1:" + port;
      for (String user : world.users()) {
        TributaryClient client = TributaryClient.connect(url);
        members.add(client);
        client.login(user, MEMBER_PASSWORD);
      }
      List<StatementServiceGrpc.StatementServiceFutureStub> writers = new ArrayList<>();
      for (int w = 0; w < o.writers(); w++) {
        ManagedChannel ch = GrpcChannels.channel(port);
        channels.add(ch);
        writers.add(
            StatementServiceGrpc.newFutureStub(ch)
                .withCallCredentials(
                    GrpcChannels.bearer(GrpcChannels.login(ch, "root", ROOT_PASSWORD))));
      }
      for (int rep = 1; rep <= o.repetitions(); rep++) {
        // Alternating which phase goes first spreads a drift of the machine over both.
        for (int k = 0; k < 2; k++) {
          boolean policed = (rep + k) % 2 == 0;
          String table = policed ? "pbench.policed_messages" : "pbench.open_messages";
          IntFunction<String> subscription =
              policed
                  ? i -> "SUBSCRIBE TO " + table
                  : i ->
                      "SUBSCRIBE TO "
                          + table
                          + " WHERE conversation_id = "
                          + world.conversationOf()[i];
          Phase p =
              phase(
                  policed ? POLICED : OPEN,
                  rep,
                  k + 1,
                  table,
                  subscription,
                  world,
                  members,
                  writers,
                  server,
                  o);
          phases.add(p);
          Latency l = p.latency();
          PROGRESS.print(
              "repetition %d, %s: %.0f deliveries/s (%d of %d), p50 %.2f ms, p99 %.2f ms, max"
                  + " %.2f ms; %d to non-members, %d failed writes",
              rep,
              p.name(),
              p.deliveriesPerSecond(),
              p.deliveries(),
              p.expected(),
              l.p50(),
              l.p99(),
              l.max(),
              p.foreign(),
              p.failures());
        }
      }
    } finally {
      for (TributaryClient c : members) {
        c.close();
      }
      GrpcChannels.shutdown(channels);
      BenchmarkMain.deleteRecursively(dir);
    }
    return new PolicyFanOutResult(o, machine, world.users().size(), phases);
  }

  /** The tables, the policy, the member users and the memberships. */
  private static void setUp(ManagedChannel admin, CallCredentials root, String columns, World w) {
    GrpcChannels.execute(
        admin,
        root,
        "CREATE NAMESPACE pbench;"
            + "CREATE SHARED TABLE pbench.members (id BIGINT PRIMARY KEY, conversation_id BIGINT"
            + " NOT NULL, user_name TEXT NOT NULL);"
            + "CREATE SHARED TABLE pbench.open_messages"
            + columns
            + ";CREATE SHARED TABLE pbench.policed_messages"
            + columns
            + ";CREATE POLICY members_read ON pbench.policed_messages FOR SELECT USING"
            + " (conversation_id IN (SELECT conversation_id FROM pbench.members WHERE user_name"
            + " = CURRENT_USER()))");
    StringBuilder users = new StringBuilder();
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < w.users().size(); i++) {
      users.append("CREATE USER '").append(w.users().get(i));
      users.append("' WITH PASSWORD '").append(MEMBER_PASSWORD).append("' ROLE user;");
      rows.add("(" + i + ", " + w.conversationOf()[i] + ", '" + w.users().get(i) + "')");
      if (i % 100 == 99 || i == w.users().size() - 1) {
        GrpcChannels.execute(admin, root, users.toString());
        users.setLength(0);
        GrpcChannels.execute(
            admin,
            root,
            "INSERT INTO pbench.members (id, conversation_id, user_name) VALUES "
                + String.join(", ", rows));
        rows.clear();
      }
    }
  }

  private static Phase phase(
      String name,
      int rep,
      int order,
      String table,
      IntFunction<String> subscription,
      World world,
      List<TributaryClient> members,
      List<StatementServiceGrpc.StatementServiceFutureStub> writers,
      ServerJvm server,
      PolicyFanOutOptions o)
      throws InterruptedException {
    String label = "repetition " + rep + ", " + name;
    Tally tally = new Tally();
    List<Subscription> subs = new ArrayList<>();
    for (int i = 0; i < members.size(); i++) {
      long conversation = world.conversationOf()[i];
      subs.add(
          members
              .get(i)
              .subscribe(
                  subscription.apply(i),
                  new SubscriptionListener() {
                    @Override
                    public void onInsert(Row row, long seq) {
                      long now = System.nanoTime();
                      tally.received(
                          row.getLong("sent_at"),
                          now,
                          row.getLong("conversation_id") == conversation);
                    }

                    @Override
                    public void onUpdate(Row oldRow, Row newRow, long seq) {}

                    @Override
                    public void onDelete(Row row, long seq) {}
                  }));
    }
    PROGRESS.print("%s: %d subscriptions live; warming up", label, subs.size());
    // The same conversations in the measured windows of both phases of a repetition.
    Load load = new Load(table, world, writers, o, o.seed() * 1_000 + rep);
    load.start();
    try {
      SteadyWarmUp.Result warmUp =
          SteadyWarmUp.run(
              o.warmupMaxSeconds(),
              LATENCY_SPREAD,
              LATENCY_SLACK_MS,
              () -> compileMillis(server),
              seconds -> {
                tally.nextWindow();
                long sentBefore = load.sentDeliveries();
                Pause.until(System.nanoTime() + (long) (seconds * 1e9));
                Histogram w = tally.nextWindow();
                long sent = load.sentDeliveries() - sentBefore;
                double p99 =
                    w.getTotalCount() == 0 ? Double.NaN : w.getValueAtPercentile(99) / 1_000.0;
                boolean balanced =
                    Math.abs(w.getTotalCount() - sent) <= MAX_IMBALANCE * Math.max(1, sent);
                PROGRESS.print(
                    "%s: warm-up window: %.0f deliveries/s received, %.0f/s sent, p99 %.2f ms%s",
                    label,
                    w.getTotalCount() / seconds,
                    sent / seconds,
                    p99,
                    balanced ? "" : " (a backlog growing or draining: not steady)");
                return balanced ? p99 : Double.NaN;
              });
      PROGRESS.print("%s: warm-up (p99 ms per window) %s", label, warmUp.describe());
      long serverCpu = server.cpu().toNanos();
      long clientCpu = ChatBenchmark.clientCpuNanos();
      long from = System.nanoTime() + MEASURE_LEAD_NANOS;
      long to = from + TimeUnit.SECONDS.toNanos(o.seconds());
      tally.measure(from, to);
      load.measure(from, to);
      load.awaitEnd();
      Pause.untilReached(tally::deliveries, load.expected(), (long) (o.drainSeconds() * 1e9));
      long end = System.nanoTime();
      double wall = (end - from) / 1e9;
      double deliverySeconds = Math.max(o.seconds(), (tally.lastReceipt() - from) / 1e9);
      return new Phase(
          name,
          rep,
          order,
          warmUp,
          load.messages(),
          o.seconds(),
          load.lateSeconds(),
          load.expected(),
          tally.deliveries(),
          tally.foreign(),
          load.failures(),
          load.firstFailure(),
          deliverySeconds,
          tally.measured(),
          (server.cpu().toNanos() - serverCpu) / 1e9 / wall,
          (ChatBenchmark.clientCpuNanos() - clientCpu) / 1e9 / wall);
    } finally {
      load.stop();
      for (Subscription s : subs) {
        s.close();
      }
    }
  }

  /** The JIT compile time of both JVMs (the server's and this one), or -1 if either is unknown. */
  private static long compileMillis(ServerJvm server) {
    long s = server.compileMillis();
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    if (s < 0 || jit == null || !jit.isCompilationTimeMonitoringSupported()) {
      return -1;
    }
    return s + jit.getTotalCompilationTime();
  }

  /** What the members received: per warm-up window, and of the measured window's messages. */
  static final class Tally {
    private volatile long from = Long.MAX_VALUE;
    private volatile long to = Long.MAX_VALUE;
    private final AtomicReference<Histogram> window = new AtomicReference<>(histogram());
    private final Histogram measured = histogram();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();
    private final AtomicLong lastReceipt = new AtomicLong();

    private static Histogram histogram() {
      return new ConcurrentHistogram(MAX_MICROS, 3);
    }

    /** A member received a message scheduled at {@code sentAt}; {@code member}: of its own. */
    void received(long sentAt, long now, boolean member) {
      if (!member) {
        foreign.incrementAndGet();
        return;
      }
      Latency.record(window.get(), now - sentAt);
      if (sentAt >= from && sentAt < to) {
        deliveries.incrementAndGet();
        Latency.record(measured, now - sentAt);
        lastReceipt.accumulateAndGet(now, Math::max);
      }
    }

    /** Starts a new warm-up window; returns the last one's receipts. */
    Histogram nextWindow() {
      return window.getAndSet(histogram());
    }

    /** Counts the messages scheduled in {@code [from, to)} from now on. */
    void measure(long from, long to) {
      this.to = to;
      this.from = from;
    }

    long deliveries() {
      return deliveries.get();
    }

    long foreign() {
      return foreign.get();
    }

    long lastReceipt() {
      return lastReceipt.get();
    }

    Histogram measured() {
      return measured.copy();
    }
  }

  /**
   * The writers' load, from the warm-up to the end of the measured window: open loop (one thread
   * sending message {@code k} at {@code start + k / rate}, asynchronously, writer {@code k % w}, at
   * most {@code --max-in-flight} unanswered) or closed loop (one thread per writer, each sending
   * when its last message is answered). A message's {@code sent_at} is its scheduled time.
   */
  static final class Load {
    private final String sql;
    private final World world;
    private final List<StatementServiceGrpc.StatementServiceFutureStub> writers;
    private final PolicyFanOutOptions o;
    private final long seed;
    private final List<Thread> threads = new ArrayList<>();
    private final Semaphore inFlight;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong expected = new AtomicLong();
    private final AtomicLong sentDeliveries = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private volatile long from = Long.MAX_VALUE;
    private volatile long to = Long.MAX_VALUE;
    private volatile boolean stopped;

    Load(
        String table,
        World world,
        List<StatementServiceGrpc.StatementServiceFutureStub> writers,
        PolicyFanOutOptions o,
        long seed) {
      this.sql = "INSERT INTO " + table + " (conversation_id, sent_at) VALUES ($1, $2)";
      this.world = world;
      this.writers = writers;
      this.o = o;
      this.seed = seed;
      this.inFlight = new Semaphore(o.maxInFlight()); // open loop only
    }

    void start() {
      if (o.closedLoop()) {
        for (int w = 0; w < writers.size(); w++) {
          int writer = w;
          threads.add(new Thread(() -> closedLoop(writer), "policy-writer"));
        }
      } else {
        threads.add(new Thread(this::openLoop, "policy-schedule"));
      }
      for (Thread t : threads) {
        t.setDaemon(true);
        t.start();
      }
    }

    /**
     * Draws the conversations of one sending thread: the measured window's from its own sequence,
     * so that both phases of a repetition write the same conversations in it (with the same
     * schedule, the same messages), whatever their warm-ups took.
     */
    private LongToIntFunction conversations(int thread) {
      Random warmUp = new Random(seed * 31 + thread);
      Random measured = new Random(seed * 131 + thread);
      return due -> (isMeasured(due) ? measured : warmUp).nextInt(world.conversations());
    }

    private boolean isMeasured(long due) {
      return due >= from && due < to;
    }

    private void openLoop() {
      LongToIntFunction conversation = conversations(0);
      long start = System.nanoTime() + 1_000_000;
      for (long k = 0; !stopped; k++) {
        long due = start + Math.round(k * 1e9 / o.rate());
        if (due >= to) {
          return;
        }
        Pause.until(due);
        try {
          inFlight.acquire();
        } catch (InterruptedException e) {
          return;
        }
        send((int) (k % writers.size()), conversation.applyAsInt(due), due);
      }
    }

    private void closedLoop(int writer) {
      LongToIntFunction conversation = conversations(writer);
      while (!stopped) {
        long due = System.nanoTime();
        if (due >= to) {
          return;
        }
        try {
          send(writer, conversation.applyAsInt(due), due).get();
        } catch (InterruptedException e) {
          return;
        } catch (ExecutionException e) {
          // counted by the callback
        }
      }
    }

    private ListenableFuture<ExecuteResponse> send(int writer, int conversation, long due) {
      boolean measured = isMeasured(due);
      sentDeliveries.addAndGet(World.size(conversation));
      if (measured) {
        messages.incrementAndGet();
        expected.addAndGet(World.size(conversation));
        late.set(System.nanoTime() - due);
      }
      ListenableFuture<ExecuteResponse> f =
          writers
              .get(writer)
              .execute(
                  ExecuteRequest.newBuilder()
                      .setSql(sql)
                      .addParams(Value.newBuilder().setBigintValue(conversation))
                      .addParams(Value.newBuilder().setBigintValue(due))
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
              done(error);
            }

            @Override
            public void onFailure(Throwable t) {
              done(t.toString());
            }

            private void done(String error) {
              if (error != null && measured) {
                failures.incrementAndGet();
                firstFailure.compareAndSet(null, error);
              }
              if (!o.closedLoop()) {
                inFlight.release();
              }
            }
          },
          MoreExecutors.directExecutor());
      return f;
    }

    /** Counts the messages scheduled in {@code [from, to)} and stops sending at {@code to}. */
    void measure(long from, long to) {
      this.to = to;
      this.from = from;
    }

    /** Waits for the senders to pass the window's end, then for every acknowledgement. */
    void awaitEnd() throws InterruptedException {
      for (Thread t : threads) {
        t.join();
      }
      int permits = o.maxInFlight();
      if (o.closedLoop()) {
        return; // each writer waited for its last answer
      }
      if (inFlight.tryAcquire(permits, ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        inFlight.release(permits);
      } else {
        firstFailure.compareAndSet(
            null, "no acknowledgement within " + ACK_TIMEOUT_SECONDS + " s of the last send");
        failures.addAndGet(permits - inFlight.availablePermits());
      }
    }

    void stop() {
      stopped = true;
      for (Thread t : threads) {
        t.interrupt();
      }
    }

    long messages() {
      return messages.get();
    }

    long expected() {
      return expected.get();
    }

    /** The deliveries the messages sent so far owe (their conversations' members). */
    long sentDeliveries() {
      return sentDeliveries.get();
    }

    long failures() {
      return failures.get();
    }

    String firstFailure() {
      return firstFailure.get();
    }

    /** How late the window's last message was sent (its send time less its scheduled time). */
    double lateSeconds() {
      return Math.max(0, late.get()) / 1e9;
    }
  }
}
