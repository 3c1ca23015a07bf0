package io.tributary.benchmarks.chat;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AddSubscriptionResponse;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.OpenStreamRequest;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.api.v1.Value;
import io.tributary.benchmarks.GrpcChannels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Tributary as the chat target: a server in its own JVM, the tables and policies of README's "Group
 * conversations", reader users each on one connection with one stream carrying a subscription per
 * conversation of theirs, writer users each on their own connection posting as themselves with
 * parameterized INSERTs. One-to-one ({@code --variant=direct}): a USER table {@code
 * chat.direct_messages}, each reader subscribed to its own rows ({@code SUBSCRIBE TO
 * chat.direct_messages}), and writers of role {@code service} (assistants) answering each reader as
 * that reader ({@code EXECUTE AS USER 'u' (INSERT ...)}), the seed's agent pattern.
 */
final class TributaryChat implements ChatTarget {
  static final String ROOT_PASSWORD = "chat-benchmark-root-password";
  static final String MEMBER_PASSWORD = "chat-member-password";
  static final String INSERT =
      "INSERT INTO chat.group_messages (id, conversation_id, content) VALUES ($1, $2, $3)";

  private final Conversations world;
  private final boolean direct;
  private final ServerJvm server;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Reader<OpenStreamRequest>> readers = new ArrayList<>();
  private final List<StatementServiceGrpc.StatementServiceFutureStub> writers = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();

  TributaryChat(ChatOptions o, Conversations world, Schedule schedule, Path dir, boolean durable)
      throws IOException, InterruptedException {
    this.world = world;
    this.direct = o.direct();
    this.server =
        ServerJvm.start(
            o.serverJvmFlags(),
            List.of(
                "tributary",
                dir.resolve("data").toString(),
                ROOT_PASSWORD,
                durable ? "fsync" : "pagecache"),
            dir.resolve("server.log"));
    try {
      int port = server.port();
      ManagedChannel admin = open(port);
      CallCredentials root = GrpcChannels.bearer(GrpcChannels.login(admin, "root", ROOT_PASSWORD));
      setUp(admin, root, o, world);
      List<String> streamIds = new ArrayList<>();
      List<String> tokens = new ArrayList<>();
      for (int r = 0; r < o.users(); r++) {
        ManagedChannel ch = open(port);
        String token = GrpcChannels.login(ch, ChatBenchmark.reader(r), MEMBER_PASSWORD);
        tokens.add(token);
        Reader<OpenStreamRequest> reader = new Reader<>(r, schedule, errors);
        LiveServiceGrpc.newStub(ch)
            .withCallCredentials(GrpcChannels.bearer(token))
            .openStream(OpenStreamRequest.getDefaultInstance(), reader);
        readers.add(reader);
      }
      for (Reader<OpenStreamRequest> r : readers) {
        streamIds.add(r.opened().get(60, TimeUnit.SECONDS));
      }
      subscribe(streamIds, tokens);
      for (int w = 0; w < o.writers(); w++) {
        ManagedChannel ch = open(port);
        writers.add(
            StatementServiceGrpc.newFutureStub(ch)
                .withCallCredentials(
                    GrpcChannels.bearer(
                        GrpcChannels.login(ch, ChatBenchmark.writer(w), MEMBER_PASSWORD))));
      }
    } catch (Exception e) {
      close();
      throw new IllegalStateException("Cannot set Tributary up: " + e, e);
    }
  }

  @Override
  public String name() {
    return "tributary";
  }

  @Override
  public String title() {
    return "Tributary";
  }

  /** Every reader's subscriptions, at most 64 in flight; returns once all are live. */
  private void subscribe(List<String> streamIds, List<String> tokens) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(world.subscriptions());
    java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(64);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int r = 0; r < readers.size(); r++) {
      LiveServiceGrpc.LiveServiceFutureStub stub =
          LiveServiceGrpc.newFutureStub(channels.get(r + 1))
              .withCallCredentials(GrpcChannels.bearer(tokens.get(r)));
      for (int c : world.of(r)) {
        inFlight.acquire();
        ListenableFuture<AddSubscriptionResponse> f =
            stub.addSubscription(
                AddSubscriptionRequest.newBuilder()
                    .setStreamId(streamIds.get(r))
                    .setSql(
                        direct
                            ? "SUBSCRIBE TO chat.direct_messages"
                            : "SUBSCRIBE TO chat.group_messages WHERE conversation_id = " + c)
                    .build());
        Futures.addCallback(
            f,
            new FutureCallback<>() {
              @Override
              public void onSuccess(AddSubscriptionResponse response) {
                inFlight.release();
                done.countDown();
              }

              @Override
              public void onFailure(Throwable t) {
                failure.compareAndSet(null, t);
                inFlight.release();
                done.countDown();
              }
            },
            MoreExecutors.directExecutor());
      }
    }
    if (!done.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("Cannot subscribe: timed out");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("Cannot subscribe: " + failure.get(), failure.get());
    }
  }

  @Override
  public void send(int n, int conversation, Acknowledgement ack) {
    ExecuteRequest.Builder request = ExecuteRequest.newBuilder();
    if (direct) {
      request
          .setSql(
              "EXECUTE AS USER '"
                  + ChatBenchmark.reader(conversation)
                  + "' (INSERT INTO chat.direct_messages (id, content) VALUES ($1, $2))")
          .addParams(Value.newBuilder().setBigintValue(n));
    } else {
      request
          .setSql(INSERT)
          .addParams(Value.newBuilder().setBigintValue(n))
          .addParams(Value.newBuilder().setBigintValue(conversation));
    }
    request.addParams(Value.newBuilder().setTextValue(ChatBenchmark.BODY));
    ListenableFuture<ExecuteResponse> f =
        writers.get(world.writerOf(conversation)).execute(request.build());
    Futures.addCallback(
        f,
        new FutureCallback<>() {
          @Override
          public void onSuccess(ExecuteResponse r) {
            String failure = null;
            for (StatementResult s : r.getResultsList()) {
              if (s.hasError()) {
                failure = s.getError().getMessage();
              }
            }
            ack.done(failure);
          }

          @Override
          public void onFailure(Throwable t) {
            ack.done(t.toString());
          }
        },
        MoreExecutors.directExecutor());
  }

  @Override
  public long serverCpuNanos() {
    return server.cpu().toNanos();
  }

  @Override
  public List<String> streamErrors() {
    return List.copyOf(errors);
  }

  /**
   * The tables and policies of README's "Group conversations", the users and the memberships; or,
   * one-to-one, a USER table, the readers and the assistants (role service).
   */
  private static void setUp(
      ManagedChannel admin, CallCredentials root, ChatOptions o, Conversations world) {
    if (o.direct()) {
      GrpcChannels.execute(
          admin,
          root,
          "CREATE NAMESPACE chat;"
              + "CREATE USER TABLE chat.direct_messages (id BIGINT PRIMARY KEY, content TEXT)");
      createUsers(admin, root, o);
      return;
    }
    GrpcChannels.execute(
        admin,
        root,
        "CREATE NAMESPACE chat;"
            + "CREATE SHARED TABLE chat.members (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(),"
            + " conversation_id BIGINT NOT NULL, user_name TEXT NOT NULL);"
            // Spread over every partition by conversation (docs/sql.md "Partitioned SHARED
            // tables"): each conversation is applied in its own partition's order.
            + "CREATE SHARED TABLE chat.group_messages (id BIGINT DEFAULT SNOWFLAKE_ID(),"
            + " conversation_id BIGINT NOT NULL, sender TEXT DEFAULT CURRENT_USER(), content"
            + " TEXT, PRIMARY KEY (conversation_id, id)) WITH (ACCESS_LEVEL = 'public',"
            + " PARTITION_KEY = 'conversation_id');"
            + "CREATE POLICY members_read ON chat.group_messages FOR SELECT USING (conversation_id"
            + " IN (SELECT conversation_id FROM chat.members WHERE user_name = CURRENT_USER()));"
            + "CREATE POLICY members_post ON chat.group_messages FOR INSERT WITH CHECK (sender ="
            + " CURRENT_USER() AND conversation_id IN (SELECT conversation_id FROM chat.members"
            + " WHERE user_name = CURRENT_USER()));"
            + "CREATE POLICY own_membership ON chat.members FOR SELECT USING (user_name ="
            + " CURRENT_USER())");
    createUsers(admin, root, o);
    List<String> rows = new ArrayList<>();
    for (int c = 0; c < world.count(); c++) {
      for (int r : world.members(c)) {
        rows.add("(" + c + ", '" + ChatBenchmark.reader(r) + "')");
      }
      rows.add("(" + c + ", '" + ChatBenchmark.writer(world.writerOf(c)) + "')");
    }
    for (int i = 0; i < rows.size(); i += 500) {
      GrpcChannels.execute(
          admin,
          root,
          "INSERT INTO chat.members (conversation_id, user_name) VALUES "
              + String.join(", ", rows.subList(i, Math.min(rows.size(), i + 500))));
    }
  }

  /** The readers (role user) and the writers (role user; service one-to-one), 100 a request. */
  private static void createUsers(ManagedChannel admin, CallCredentials root, ChatOptions o) {
    List<String> users = new ArrayList<>();
    for (int r = 0; r < o.users(); r++) {
      users.add(ChatBenchmark.reader(r) + "' WITH PASSWORD '" + MEMBER_PASSWORD + "' ROLE user;");
    }
    String writerRole = o.direct() ? "service" : "user";
    for (int w = 0; w < o.writers(); w++) {
      users.add(
          ChatBenchmark.writer(w)
              + "' WITH PASSWORD '"
              + MEMBER_PASSWORD
              + "' ROLE "
              + writerRole
              + ";");
    }
    StringBuilder batch = new StringBuilder();
    for (int i = 0; i < users.size(); i++) {
      batch.append("CREATE USER '").append(users.get(i));
      if (i % 100 == 99 || i == users.size() - 1) {
        GrpcChannels.execute(admin, root, batch.toString());
        batch.setLength(0);
      }
    }
  }

  private ManagedChannel open(int port) {
    ManagedChannel ch = GrpcChannels.channel(port);
    channels.add(ch);
    return ch;
  }

  @Override
  public void close() throws InterruptedException {
    for (Reader<OpenStreamRequest> r : readers) {
      r.cancel();
    }
    GrpcChannels.shutdown(channels);
    server.close();
  }
}
