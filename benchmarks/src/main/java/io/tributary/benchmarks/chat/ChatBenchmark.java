package io.tributary.benchmarks.chat;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AddSubscriptionResponse;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.OpenStreamRequest;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.api.v1.Value;
import io.tributary.benchmarks.BenchmarkMain;
import io.tributary.benchmarks.GrpcChannels;
import io.tributary.benchmarks.Json;
import io.tributary.benchmarks.Progress;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The chat scenario (issue 17): many small group conversations on a SHARED table guarded by a
 * membership policy, written on an open-loop schedule by writer users and read live by reader
 * users, with the server in its own JVM ({@link ServerJvm}) and every client in this one.
 *
 * <p>Each reader user has one connection with one event stream carrying one subscription per
 * conversation it belongs to ({@code SUBSCRIBE TO chat.group_messages WHERE conversation_id = X});
 * each writer user has its own connection and posts, as itself, parameterized single-row INSERTs to
 * its conversations. Insert number {@code n} of a step at {@code rate}/s is due at {@code start + n
 * / rate} whatever happened before (an absolute schedule); latency runs from that due time to each
 * subscriber's receipt, so a late send counts its delay (no coordinated omission). Every delivery
 * is checked against the membership: each change must reach each member of its conversation exactly
 * once and nobody else. The wall is the highest step with p99 ≤ 100 ms, every delivery made and ≥
 * 99% of the offered rate achieved.
 *
 * <p>A main program, not a test: nothing here asserts on time. See {@code benchmarks/README.md}.
 */
public final class ChatBenchmark {
  static final String ROOT_PASSWORD = "chat-benchmark-root-password";
  static final String MEMBER_PASSWORD = "chat-member-password";
  static final String INSERT =
      "INSERT INTO chat.group_messages (id, conversation_id, content) VALUES ($1, $2, $3)";
  private static final String BODY =
      "A chat message of about seventy characters, as people write them, ok?";
  private static final Progress PROGRESS = new Progress("[chat %6.1f s] %s");

  private ChatBenchmark() {}

  public static void main(String[] args) {
    ChatOptions options = BenchmarkMain.optionsOrExit(args, ChatOptions::parse);
    int status = 0;
    try {
      ChatResult result = run(options);
      BenchmarkMain.printAndWrite(
          result.markdown(), () -> Json.write(result.toMap()), options.resultsDir(), "chat");
    } catch (Exception e) {
      System.err.println("The chat benchmark failed: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  static ChatResult run(ChatOptions o) throws Exception {
    Map<String, Object> machine = BenchmarkMain.describeMachine(PROGRESS);
    Conversations world =
        new Conversations(
            o.users(), o.conversations(), o.minMembers(), o.maxMembers(), o.writers(), o.seed());
    Schedule schedule = new Schedule(o, world);
    Path dir = Files.createTempDirectory("tributary-chat");
    List<ManagedChannel> channels = new ArrayList<>();
    List<Reader> readers = new ArrayList<>();
    ServerJvm server = null;
    try {
      long setupBegin = System.nanoTime();
      server =
          ServerJvm.start(
              o.serverJvmFlags(), dir.resolve("data"), ROOT_PASSWORD, dir.resolve("server.log"));
      PROGRESS.print("server JVM ready on port %d (its log: %s)", server.port(), dir);
      int port = server.port();
      ManagedChannel admin = open(port, channels);
      CallCredentials root = GrpcChannels.bearer(login(admin, "root", ROOT_PASSWORD));
      setUp(admin, root, o, world);
      PROGRESS.print(
          "%d readers, %d writers, %d conversations, %d subscriptions created",
          o.users(), o.writers(), world.count(), world.subscriptions());
      for (int r = 0; r < o.users(); r++) {
        ManagedChannel ch = open(port, channels);
        readers.add(new Reader(r, ch, login(ch, reader(r), MEMBER_PASSWORD), world, schedule));
      }
      for (Reader r : readers) {
        r.subscribe();
      }
      for (Reader r : readers) {
        r.awaitSubscribed();
      }
      List<Writer> writers = new ArrayList<>();
      for (int w = 0; w < o.writers(); w++) {
        ManagedChannel ch = open(port, channels);
        writers.add(new Writer(ch, login(ch, writer(w), MEMBER_PASSWORD)));
      }
      double setupSeconds = (System.nanoTime() - setupBegin) / 1e9;
      PROGRESS.print("set up in %.1f s: every subscription live", setupSeconds);

      List<StepResult> steps = new ArrayList<>();
      ServerJvm s = server;
      if (o.warmupSeconds() > 0) {
        PROGRESS.print("warm-up: %d inserts/s for %.0f s", o.steps().get(0), o.warmupSeconds());
        schedule.runStep(0, writers, s, readers, o);
      }
      boolean missed = false;
      for (int i = 0; i < o.steps().size(); i++) {
        if (missed && o.stopAfterMiss()) {
          steps.add(StepResult.notRun(o.steps().get(i)));
          continue;
        }
        StepResult r = schedule.runStep(i + 1, writers, s, readers, o);
        steps.add(r);
        PROGRESS.print("%s", r.line());
        missed = !r.withinWall();
      }
      List<String> errors = new ArrayList<>();
      for (Reader r : readers) {
        errors.addAll(r.errors);
      }
      return new ChatResult(o, machine, world.subscriptions(), setupSeconds, steps, errors);
    } finally {
      for (Reader r : readers) {
        r.cancel();
      }
      GrpcChannels.shutdown(channels);
      if (server != null) {
        server.close();
      }
      BenchmarkMain.deleteRecursively(dir);
    }
  }

  static String reader(int r) {
    return "chat_reader_" + r;
  }

  static String writer(int w) {
    return "chat_writer_" + w;
  }

  /** The tables and policies of README's "Group conversations", the users and the memberships. */
  private static void setUp(
      ManagedChannel admin, CallCredentials root, ChatOptions o, Conversations world) {
    execute(
        admin,
        root,
        "CREATE NAMESPACE chat;"
            + "CREATE SHARED TABLE chat.members (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(),"
            + " conversation_id BIGINT NOT NULL, user_name TEXT NOT NULL);"
            + "CREATE SHARED TABLE chat.group_messages (id BIGINT PRIMARY KEY DEFAULT"
            + " SNOWFLAKE_ID(), conversation_id BIGINT NOT NULL, sender TEXT DEFAULT"
            + " CURRENT_USER(), content TEXT) WITH (ACCESS_LEVEL = 'public');"
            + "CREATE POLICY members_read ON chat.group_messages FOR SELECT USING (conversation_id"
            + " IN (SELECT conversation_id FROM chat.members WHERE user_name = CURRENT_USER()));"
            + "CREATE POLICY members_post ON chat.group_messages FOR INSERT WITH CHECK (sender ="
            + " CURRENT_USER() AND conversation_id IN (SELECT conversation_id FROM chat.members"
            + " WHERE user_name = CURRENT_USER()));"
            + "CREATE POLICY own_membership ON chat.members FOR SELECT USING (user_name ="
            + " CURRENT_USER())");
    List<String> users = new ArrayList<>();
    for (int r = 0; r < o.users(); r++) {
      users.add(reader(r));
    }
    for (int w = 0; w < o.writers(); w++) {
      users.add(writer(w));
    }
    StringBuilder batch = new StringBuilder();
    for (int i = 0; i < users.size(); i++) {
      batch.append("CREATE USER '").append(users.get(i)).append("' WITH PASSWORD '");
      batch.append(MEMBER_PASSWORD).append("' ROLE user;");
      if (i % 100 == 99 || i == users.size() - 1) {
        execute(admin, root, batch.toString());
        batch.setLength(0);
      }
    }
    List<String> rows = new ArrayList<>();
    for (int c = 0; c < world.count(); c++) {
      for (int r : world.members(c)) {
        rows.add("(" + c + ", '" + reader(r) + "')");
      }
      rows.add("(" + c + ", '" + writer(world.writerOf(c)) + "')");
    }
    for (int i = 0; i < rows.size(); i += 500) {
      execute(
          admin,
          root,
          "INSERT INTO chat.members (conversation_id, user_name) VALUES "
              + String.join(", ", rows.subList(i, Math.min(rows.size(), i + 500))));
    }
  }

  private static ManagedChannel open(int port, List<ManagedChannel> channels) {
    ManagedChannel ch = GrpcChannels.channel(port);
    channels.add(ch);
    return ch;
  }

  private static String login(ManagedChannel channel, String user, String password) {
    return AuthServiceGrpc.newBlockingStub(channel)
        .login(LoginRequest.newBuilder().setUser(user).setPassword(password).build())
        .getToken();
  }

  private static void execute(ManagedChannel channel, CallCredentials credentials, String sql) {
    ExecuteResponse response =
        StatementServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(credentials)
            .execute(ExecuteRequest.newBuilder().setSql(sql).build());
    for (StatementResult r : response.getResultsList()) {
      if (r.hasError()) {
        throw new IllegalStateException(
            "Cannot run " + r.getStatement() + ": " + r.getError().getMessage());
      }
    }
  }

  /** This process's CPU time in nanoseconds (every client thread). */
  static long clientCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  /** A writer user's connection: sends INSERTs without waiting for their acknowledgement. */
  static final class Writer {
    private final StatementServiceGrpc.StatementServiceFutureStub stub;

    Writer(ManagedChannel channel, String token) {
      this.stub =
          StatementServiceGrpc.newFutureStub(channel)
              .withCallCredentials(GrpcChannels.bearer(token));
    }

    ListenableFuture<ExecuteResponse> insert(long id, int conversation) {
      return stub.execute(
          ExecuteRequest.newBuilder()
              .setSql(INSERT)
              .addParams(Value.newBuilder().setBigintValue(id))
              .addParams(Value.newBuilder().setBigintValue(conversation))
              .addParams(Value.newBuilder().setTextValue(BODY))
              .build());
    }
  }

  /**
   * A reader user's connection: one event stream with one subscription per conversation of the
   * user. On each message it takes the arrival time, then checks and records each insert.
   */
  static final class Reader implements StreamObserver<LiveEventBatch> {
    private final int index;
    private final ManagedChannel channel;
    private final String token;
    private final Conversations world;
    private final Schedule schedule;
    private final CompletableFuture<String> opened = new CompletableFuture<>();
    private final CountDownLatch subscribed;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private volatile io.grpc.stub.ClientCallStreamObserver<OpenStreamRequest> call;

    Reader(int index, ManagedChannel channel, String token, Conversations world, Schedule s) {
      this.index = index;
      this.channel = channel;
      this.token = token;
      this.world = world;
      this.schedule = s;
      this.subscribed = new CountDownLatch(world.of(index).size());
      LiveServiceGrpc.newStub(channel)
          .withCallCredentials(GrpcChannels.bearer(token))
          .openStream(
              OpenStreamRequest.getDefaultInstance(),
              new io.grpc.stub.ClientResponseObserver<OpenStreamRequest, LiveEventBatch>() {
                @Override
                public void beforeStart(
                    io.grpc.stub.ClientCallStreamObserver<OpenStreamRequest> requestStream) {
                  call = requestStream;
                }

                @Override
                public void onNext(LiveEventBatch value) {
                  Reader.this.onNext(value);
                }

                @Override
                public void onError(Throwable t) {
                  Reader.this.onError(t);
                }

                @Override
                public void onCompleted() {}
              });
    }

    void subscribe() throws Exception {
      String streamId = opened.get(60, TimeUnit.SECONDS);
      LiveServiceGrpc.LiveServiceFutureStub stub =
          LiveServiceGrpc.newFutureStub(channel).withCallCredentials(GrpcChannels.bearer(token));
      for (int c : world.of(index)) {
        ListenableFuture<AddSubscriptionResponse> f =
            stub.addSubscription(
                AddSubscriptionRequest.newBuilder()
                    .setStreamId(streamId)
                    .setSql("SUBSCRIBE TO chat.group_messages WHERE conversation_id = " + c)
                    .build());
        Futures.addCallback(
            f,
            new FutureCallback<>() {
              @Override
              public void onSuccess(AddSubscriptionResponse r) {
                subscribed.countDown();
              }

              @Override
              public void onFailure(Throwable t) {
                failure.compareAndSet(null, t);
                subscribed.countDown();
              }
            },
            MoreExecutors.directExecutor());
      }
    }

    void awaitSubscribed() throws InterruptedException {
      if (!subscribed.await(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("Cannot subscribe " + reader(index) + ": timed out");
      }
      if (failure.get() != null) {
        throw new IllegalStateException(
            "Cannot subscribe " + reader(index) + ": " + failure.get(), failure.get());
      }
    }

    @Override
    public void onNext(LiveEventBatch batch) {
      long now = System.nanoTime();
      boolean inserts = false;
      for (LiveEvent e : batch.getEventsList()) {
        switch (e.getEventCase()) {
          case INSERT -> {
            inserts = true;
            schedule.received(index, e.getInsert().getRow().getValues(0).getBigintValue(), now);
          }
          case OPENED -> opened.complete(e.getOpened().getStreamId());
          case ERROR ->
              errors.add(
                  e.getError().getError().getCode() + ": " + e.getError().getError().getMessage());
          default -> {}
        }
      }
      if (inserts) {
        schedule.message();
      }
    }

    @Override
    public void onError(Throwable t) {
      opened.completeExceptionally(t);
      if (!(t instanceof io.grpc.StatusRuntimeException s
          && s.getStatus().getCode() == io.grpc.Status.Code.CANCELLED)) {
        errors.add("stream failed: " + t);
      }
    }

    @Override
    public void onCompleted() {}

    void cancel() {
      var c = call;
      if (c != null) {
        c.cancel("benchmark done", null);
      }
    }
  }

  /**
   * The changes of the whole run, numbered from 0 across the warm-up and the steps: each one's
   * conversation (drawn in advance), its due time, and which members have received it.
   */
  static final class Schedule {
    private final Conversations world;
    private final int[] first; // first change number of each step (0 = the warm-up)
    private final int[] rates;
    private final int[] conversationOf;
    private final long[] due;
    private final AtomicIntegerArray received;
    private final AtomicLong foreign = new AtomicLong();
    private final AtomicLongArray duplicates;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLongArray deliveries;
    private final Histogram[] latencies;

    Schedule(ChatOptions o, Conversations world) {
      this.world = world;
      int phases = o.steps().size() + 1;
      first = new int[phases + 1];
      rates = new int[phases];
      for (int p = 0; p < phases; p++) {
        rates[p] = o.steps().get(Math.max(0, p - 1));
        double seconds = p == 0 ? o.warmupSeconds() : o.stepSeconds();
        first[p + 1] = first[p] + (int) Math.round(rates[p] * seconds);
      }
      int total = first[phases];
      conversationOf = new int[total];
      due = new long[total];
      received = new AtomicIntegerArray(total);
      duplicates = new AtomicLongArray(phases);
      deliveries = new AtomicLongArray(phases);
      latencies = new Histogram[phases];
      for (int p = 0; p < phases; p++) {
        latencies[p] = new ConcurrentHistogram(600_000_000L, 3);
      }
      Random random = new Random(o.seed() + 1);
      for (int n = 0; n < total; n++) {
        conversationOf[n] = random.nextInt(world.count());
      }
    }

    void received(int reader, long change, long now) {
      if (change < 0 || change >= due.length) {
        foreign.incrementAndGet();
        return;
      }
      int n = (int) change;
      int bit = world.bit(reader, conversationOf[n]);
      if (bit < 0) {
        foreign.incrementAndGet();
        return;
      }
      int phase = phaseOf(n);
      int before = received.getAndAccumulate(n, 1 << bit, (a, b) -> a | b);
      if ((before & (1 << bit)) != 0) {
        duplicates.incrementAndGet(phase);
        return;
      }
      deliveries.incrementAndGet(phase);
      long micros = (now - due[n]) / 1_000;
      latencies[phase].recordValue(Math.min(600_000_000L, Math.max(0, micros)));
    }

    /** The deliveries to non-members (or of unknown changes) so far. */
    long foreign() {
      return foreign.get();
    }

    long duplicates(int phase) {
      return duplicates.get(phase);
    }

    long deliveries(int phase) {
      return deliveries.get(phase);
    }

    /** The conversation change {@code n} goes to. */
    int conversationOf(int n) {
      return conversationOf[n];
    }

    private int phaseOf(int change) {
      int p = 0;
      while (first[p + 1] <= change) {
        p++;
      }
      return p;
    }

    void message() {
      messages.incrementAndGet();
    }

    /** Runs one phase (0 = the warm-up) on its absolute schedule and waits for its deliveries. */
    StepResult runStep(
        int phase, List<Writer> writers, ServerJvm server, List<Reader> readers, ChatOptions o)
        throws InterruptedException {
      int from = first[phase];
      int to = first[phase + 1];
      int rate = rates[phase];
      long expected = 0;
      for (int n = from; n < to; n++) {
        expected += world.members(conversationOf[n]).length;
      }
      Histogram ack = new ConcurrentHistogram(600_000_000L, 3);
      long foreignBefore = foreign.get();
      long messagesBefore = messages.get();
      AtomicLong failures = new AtomicLong();
      AtomicReference<String> firstFailure = new AtomicReference<>();
      AtomicLong lastAck = new AtomicLong();
      Semaphore inFlight = new Semaphore(o.maxInFlight());
      long serverCpu = server.cpu().toNanos();
      long clientCpu = clientCpuNanos();
      long start = System.nanoTime() + 1_000_000;
      for (int n = from; n < to; n++) {
        long when = start + Math.round((n - from) * 1e9 / rate);
        long wait;
        while ((wait = when - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        inFlight.acquire();
        due[n] = when;
        int conversation = conversationOf[n];
        long dueAt = when;
        Futures.addCallback(
            writers.get(world.writerOf(conversation)).insert(n, conversation),
            new FutureCallback<>() {
              @Override
              public void onSuccess(ExecuteResponse r) {
                long now = System.nanoTime();
                for (StatementResult s : r.getResultsList()) {
                  if (s.hasError()) {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, s.getError().getMessage());
                  }
                }
                ack.recordValue(Math.min(600_000_000L, Math.max(0, (now - dueAt) / 1_000)));
                lastAck.accumulateAndGet(now, Math::max);
                inFlight.release();
              }

              @Override
              public void onFailure(Throwable t) {
                failures.incrementAndGet();
                firstFailure.compareAndSet(null, t.toString());
                lastAck.accumulateAndGet(System.nanoTime(), Math::max);
                inFlight.release();
              }
            },
            MoreExecutors.directExecutor());
      }
      long sendEnd = System.nanoTime();
      // Every acknowledgement, then every delivery (or no progress for --drain-seconds).
      inFlight.acquire(o.maxInFlight());
      inFlight.release(o.maxInFlight());
      long drainLimit = (long) (o.drainSeconds() * 1e9);
      long lastProgress = System.nanoTime();
      long seen = -1;
      while (deliveries.get(phase) < expected && System.nanoTime() - lastProgress < drainLimit) {
        long d = deliveries.get(phase);
        if (d != seen) {
          seen = d;
          lastProgress = System.nanoTime();
        }
        Thread.sleep(5); // polling a counter, not synchronizing: its value is what is reported
      }
      long end = System.nanoTime();
      double wall = (end - start) / 1e9;
      long missing = 0;
      for (int n = from; n < to; n++) {
        missing += Integer.bitCount(world.fullMask(conversationOf[n]) & ~received.get(n));
      }
      int inserts = to - from;
      double achievedSeconds = Math.max((lastAck.get() - start) / 1e9, inserts / (double) rate);
      for (Reader r : readers) {
        if (!r.errors.isEmpty()) {
          firstFailure.compareAndSet(null, r.errors.peek());
        }
      }
      return new StepResult(
          phase == 0 ? "warm-up" : "step",
          rate,
          inserts,
          (inserts - failures.get()) / achievedSeconds,
          Math.max(0, (sendEnd - start) / 1e9 - (inserts - 1) / (double) rate),
          expected,
          deliveries.get(phase),
          missing,
          duplicates.get(phase),
          foreign.get() - foreignBefore,
          failures.get(),
          firstFailure.get(),
          messages.get() - messagesBefore,
          latencies[phase].copy(),
          ack,
          (server.cpu().toNanos() - serverCpu) / 1e9 / wall,
          (clientCpuNanos() - clientCpu) / 1e9 / wall);
    }
  }
}
