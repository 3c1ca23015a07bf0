package io.tributary.benchmarks.ingest;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.api.v1.Value;
import io.tributary.benchmarks.GrpcChannels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tributary's side: writer users INSERT into their own rows of a USER table over real gRPC ({@code
 * StatementService.Execute}, raw grpc-api stubs over grpc-netty-shaded, not the SDK), one channel
 * (connection) per user. In-flight slot {@code s} writes as user {@code s % users}, so the commands
 * are keyed by those users exactly as the raw producer's records are.
 */
final class TributaryIngest implements AutoCloseable {
  static final String NAMESPACE = "ingest";
  static final String TABLE = NAMESPACE + ".messages";

  /** Every id has the same number of digits, so every single-row command has the same size. */
  private static final long FIRST_ID = 1_000_000_000L;

  private static final long DEADLINE_SECONDS = 60;

  private final ManagedChannel rootChannel;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<StatementServiceGrpc.StatementServiceBlockingStub> stubs = new ArrayList<>();
  private final String body;
  private final AtomicLong ids = new AtomicLong(FIRST_ID);
  private final Map<Integer, String> insertSql = new ConcurrentHashMap<>();
  private final List<String> userIds = new ArrayList<>();

  /** Creates the namespace, the USER table and the writer users, and logs the writers in. */
  TributaryIngest(int port, String rootPassword, int users, int bodyChars) {
    this.body = body(bodyChars);
    this.rootChannel = GrpcChannels.channel(port);
    CallCredentials root = GrpcChannels.bearer(login(rootChannel, "root", rootPassword));
    StringBuilder ddl =
        new StringBuilder("CREATE NAMESPACE ")
            .append(NAMESPACE)
            .append("; CREATE TABLE ")
            .append(TABLE)
            .append(
                " (id BIGINT PRIMARY KEY, conversation_id BIGINT NOT NULL, body TEXT)"
                    + " WITH (TYPE = 'USER')");
    for (int u = 0; u < users; u++) {
      ddl.append("; CREATE USER '")
          .append(user(u))
          .append("' WITH PASSWORD '")
          .append(password(u))
          .append("' ROLE user");
    }
    check(
        StatementServiceGrpc.newBlockingStub(rootChannel)
            .withCallCredentials(root)
            .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
            .execute(ExecuteRequest.newBuilder().setSql(ddl.toString()).build()),
        -1);
    for (int u = 0; u < users; u++) {
      ManagedChannel ch = GrpcChannels.channel(port);
      channels.add(ch);
      String token = login(ch, user(u), password(u));
      userIds.add(accountId(token));
      stubs.add(
          StatementServiceGrpc.newBlockingStub(ch).withCallCredentials(GrpcChannels.bearer(token)));
    }
  }

  /** The name of writer user {@code i}; all names have the same length (so do their records). */
  static String user(int i) {
    return String.format("ingest_writer%03d", i);
  }

  private static String password(int i) {
    return "ingest-writer-password-" + i;
  }

  /**
   * The account id of writer user {@code i}: the key of its commands in the log (rows belong to an
   * account's id, not its name).
   */
  String userId(int i) {
    return userIds.get(i);
  }

  /** The account id a token names: its JWT subject. */
  private static String accountId(String token) {
    String[] parts = token.split("\\.");
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(java.util.Base64.getUrlDecoder().decode(parts[1]))
          .path("sub")
          .asText();
    } catch (java.io.IOException | RuntimeException e) {
      throw new IllegalStateException("Cannot read the account id from a login token", e);
    }
  }

  int users() {
    return stubs.size();
  }

  /** One single-row INSERT as the slot's user; returns once it is acknowledged. */
  void insertOne(int slot) {
    insert(slot, 1);
  }

  /**
   * One multi-row INSERT of {@code rows} rows as the slot's user, the way an application sends it:
   * one text per row count (so the server parses it once) and the values as parameters.
   */
  void insert(int slot, int rows) {
    ExecuteRequest.Builder request =
        ExecuteRequest.newBuilder().setSql(insertSql.computeIfAbsent(rows, TributaryIngest::sql));
    long first = ids.getAndAdd(rows);
    for (int r = 0; r < rows; r++) {
      long id = first + r;
      request
          .addParams(Value.newBuilder().setBigintValue(id))
          .addParams(Value.newBuilder().setBigintValue(1000 + id % 9000)) // one of 9,000
          .addParams(Value.newBuilder().setTextValue(body));
    }
    ExecuteResponse response =
        stubs
            .get(slot % stubs.size())
            .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
            .execute(request.build());
    check(response, rows);
  }

  /** {@code INSERT INTO ... VALUES ($1, $2, $3), ($4, $5, $6), ...} for {@code rows} rows. */
  private static String sql(int rows) {
    StringBuilder sql =
        new StringBuilder(64 + rows * 20)
            .append("INSERT INTO ")
            .append(TABLE)
            .append(" (id, conversation_id, body) VALUES ");
    for (int r = 0; r < rows; r++) {
      int p = 3 * r;
      sql.append(r == 0 ? "(" : ", (")
          .append('$')
          .append(p + 1)
          .append(", $")
          .append(p + 2)
          .append(", $")
          .append(p + 3)
          .append(')');
    }
    return sql.toString();
  }

  /** A chat message of exactly {@code chars} characters (no quotes to escape). */
  static String body(int chars) {
    String text =
        "Sure, I can move our call to Thursday afternoon; does 3 pm work for you and the rest of"
            + " the team? ";
    StringBuilder b = new StringBuilder(chars);
    while (b.length() < chars) {
      b.append(text);
    }
    return b.substring(0, chars);
  }

  private static void check(ExecuteResponse response, long expectedRows) {
    for (StatementResult r : response.getResultsList()) {
      if (r.hasError()) {
        throw new IllegalStateException(
            "Cannot run "
                + abbreviate(r.getStatement())
                + ": "
                + r.getError().getCode()
                + " "
                + r.getError().getMessage());
      }
      if (expectedRows >= 0 && r.getRowsAffected() != expectedRows) {
        throw new IllegalStateException(
            "Cannot confirm an INSERT: "
                + r.getRowsAffected()
                + " rows affected, expected "
                + expectedRows);
      }
    }
  }

  private static String abbreviate(String sql) {
    return sql.length() <= 120 ? sql : sql.substring(0, 117) + "...";
  }

  private static String login(ManagedChannel channel, String user, String password) {
    return AuthServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .login(LoginRequest.newBuilder().setUser(user).setPassword(password).build())
        .getToken();
  }

  @Override
  public void close() {
    List<ManagedChannel> all = new ArrayList<>(channels);
    all.add(rootChannel);
    GrpcChannels.shutdown(all);
  }
}
