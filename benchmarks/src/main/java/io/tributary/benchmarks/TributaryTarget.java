package io.tributary.benchmarks;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.api.v1.Value;
import io.tributary.server.TributaryServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Tributary as a fan-out target: every scenario gets a fresh SHARED table (so one writer's change
 * goes to every matching subscriber, and snapshots start empty); changes are single-row INSERTs by
 * root over the statement API; subscribers are reader users on their own channels.
 */
final class TributaryTarget implements FanOutTarget {
  private final TributaryServer server;
  private final ManagedChannel writer;
  private final CallCredentials rootCredentials;
  private final StatementServiceGrpc.StatementServiceStub statements;
  private final List<String> readerTokens;
  private final LongAdder failures = new LongAdder();
  private final AtomicReference<String> firstFailure = new AtomicReference<>();
  private TributaryClients clients;
  private String table;
  private String insertSql;
  private int tables;

  /** Creates the benchmark's namespace and {@code users} reader users on a running server. */
  TributaryTarget(TributaryServer server, String rootPassword, int users) {
    this.server = server;
    this.writer = GrpcChannels.channel(server.port());
    this.rootCredentials = GrpcChannels.bearer(GrpcChannels.login(writer, "root", rootPassword));
    StringBuilder ddl = new StringBuilder("CREATE NAMESPACE " + TributaryClients.NAMESPACE);
    for (int u = 0; u < users; u++) {
      ddl.append("; CREATE USER '")
          .append(TributaryClients.user(u))
          .append("' WITH PASSWORD '")
          .append(TributaryClients.password(u))
          .append("'");
    }
    GrpcChannels.execute(writer, rootCredentials, ddl.toString());
    this.statements = StatementServiceGrpc.newStub(writer).withCallCredentials(rootCredentials);
    this.readerTokens = TributaryClients.readerTokens(server.port(), users);
  }

  @Override
  public String name() {
    return "tributary";
  }

  /** Creates a fresh SHARED table and returns its name. */
  String createTable() {
    String name = TributaryClients.NAMESPACE + ".feed" + (++tables);
    GrpcChannels.execute(
        writer,
        rootCredentials,
        "CREATE SHARED TABLE " + name + " (id BIGINT PRIMARY KEY, room INT, body TEXT)");
    return name;
  }

  @Override
  public void open(Layout layout, Deliveries deliveries) {
    table = createTable();
    insertSql = Changes.insertSql(table);
    clients = new TributaryClients(server.port(), readerTokens);
    clients.open(layout, table, deliveries);
  }

  @Override
  public void publish(long change, LongConsumer acknowledged) {
    statements.execute(
        ExecuteRequest.newBuilder()
            .setSql(insertSql)
            .addParams(Value.newBuilder().setBigintValue(change))
            .build(),
        new StreamObserver<>() {
          @Override
          public void onNext(ExecuteResponse response) {
            if (response.getResults(0).hasError()) {
              fail(response.getResults(0).getError().getMessage());
            } else {
              acknowledged.accept(change);
            }
          }

          @Override
          public void onError(Throwable t) {
            fail(t.toString());
          }

          @Override
          public void onCompleted() {}
        });
  }

  private void fail(String message) {
    failures.increment();
    firstFailure.compareAndSet(null, message);
  }

  @Override
  public long failures() {
    return failures.sum();
  }

  String firstFailure() {
    return firstFailure.get();
  }

  @Override
  public long fanOutCpuNanos() {
    return ThreadCpu.ofThreadsNamed("tributary-live-");
  }

  /** The reader users' tokens, for clients of other targets on the same server. */
  List<String> readerTokens() {
    return readerTokens;
  }

  /** Runs statements as root. */
  void executeAsRoot(String sql) {
    GrpcChannels.execute(writer, rootCredentials, sql);
  }

  /** Subscriptions the server holds open (its {@code tributary.live.subscriptions} gauge). */
  long openSubscriptions() {
    return (long) server.metrics().get("tributary.live.subscriptions").gauge().value();
  }

  @Override
  public void closeStreams() {
    if (clients != null) {
      clients.close();
      clients = null;
    }
    awaitNoSubscriptions();
  }

  /** Waits (up to 60 s) until the server has dropped every subscription. */
  void awaitNoSubscriptions() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (openSubscriptions() > 0 && System.nanoTime() < deadline) {
      Pause.millis(50);
    }
  }

  @Override
  public void close() {
    closeStreams();
    writer.shutdownNow();
  }
}
