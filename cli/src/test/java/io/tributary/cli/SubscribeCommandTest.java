package io.tributary.cli;

import static io.tributary.client.testing.FakeTributaryServer.delete;
import static io.tributary.client.testing.FakeTributaryServer.error;
import static io.tributary.client.testing.FakeTributaryServer.heartbeat;
import static io.tributary.client.testing.FakeTributaryServer.insert;
import static io.tributary.client.testing.FakeTributaryServer.ready;
import static io.tributary.client.testing.FakeTributaryServer.row;
import static io.tributary.client.testing.FakeTributaryServer.sending;
import static io.tributary.client.testing.FakeTributaryServer.sendingThenEnding;
import static io.tributary.client.testing.FakeTributaryServer.snapshot;
import static io.tributary.client.testing.FakeTributaryServer.subscribed;
import static io.tributary.client.testing.FakeTributaryServer.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorCode;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.LiveError;
import io.tributary.api.v1.LiveEvent;
import io.tributary.cli.SqlCommandTest.Run;
import io.tributary.client.testing.FakeTributaryServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code tributary sql -e "SUBSCRIBE ..."} against a fake LiveService on a local port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubscribeCommandTest {
  private static final String STATEMENT = "SUBSCRIBE TO shop.fruit WHERE id > 0";

  private FakeTributaryServer server;

  @BeforeAll
  void start() throws Exception {
    server = new FakeTributaryServer().startOnLocalPort().acceptAnyLogin();
  }

  @AfterAll
  void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void reset() {
    server.subscribeRequests.clear();
    server.subscribeAuthorizations.clear();
    server.cancelled.set(0);
  }

  /** A subscription's life: snapshot, ready, then more changes than any limit here asks for. */
  private static FakeTributaryServer.Script lively() {
    return sending(
        subscribed(),
        snapshot(false, row(1, "apple", 3), row(2, null, 5)),
        ready(9),
        heartbeat(),
        insert(3, "blood orange", 10),
        update(1, "apple", 3, "pear", 11),
        delete(2, null, 5, 12),
        insert(4, "never printed", 13));
  }

  @Test
  void shouldPrintJsonLinesUntilTheLimitThenCancel() {
    server.subscribeScript = lively();

    Run run = subscribe("--format", "json", "--limit", "5", "-e", STATEMENT + ";");

    assertThat(run.err()).isEmpty();
    assertThat(run.out().split("\n", -1))
        .containsExactly(
            "{\"event\":\"subscribed\",\"columns\":[{\"name\":\"id\",\"type\":\"BIGINT\","
                + "\"nullable\":false},{\"name\":\"name\",\"type\":\"TEXT\",\"nullable\":true},"
                + "{\"name\":\"_seq\",\"type\":\"BIGINT\",\"nullable\":false}],"
                + "\"primary_key\":[\"id\"]}",
            "{\"event\":\"snapshot\",\"row\":{\"id\":1,\"name\":\"apple\",\"_seq\":3}}",
            "{\"event\":\"snapshot\",\"row\":{\"id\":2,\"name\":null,\"_seq\":5}}",
            "{\"event\":\"ready\",\"seq\":9}",
            "{\"event\":\"insert\",\"seq\":10,\"row\":{\"id\":3,\"name\":\"blood orange\","
                + "\"_seq\":10}}",
            "{\"event\":\"update\",\"seq\":11,\"old\":{\"id\":1,\"name\":\"apple\",\"_seq\":3},"
                + "\"new\":{\"id\":1,\"name\":\"pear\",\"_seq\":11}}",
            "{\"event\":\"delete\",\"seq\":12,\"row\":{\"id\":2,\"name\":null,\"_seq\":5}}",
            "");
    assertThat(run.status()).isZero();
    assertThat(server.subscribeRequests).hasSize(1);
    assertThat(server.subscribeRequests.get(0).getSql()).isEqualTo(STATEMENT);
    assertThat(server.subscribeAuthorizations).containsExactly("Bearer tok");
    await().untilAsserted(() -> assertThat(server.cancelled).hasValue(1));
  }

  @Test
  void shouldCountSnapshotRowsTowardsTheLimit() {
    server.subscribeScript = lively();

    Run run = subscribe("--format", "json", "--limit", "1", "-e", STATEMENT);

    assertThat(List.of(run.out().split("\n")))
        .hasSize(2)
        .last()
        .isEqualTo("{\"event\":\"snapshot\",\"row\":{\"id\":1,\"name\":\"apple\",\"_seq\":3}}");
    assertThat(run.status()).isZero();
  }

  @Test
  void shouldPrintOneReadableLinePerEventInTableFormat() {
    server.subscribeScript = lively();

    Run run = subscribe("--limit", "5", "-e", STATEMENT);

    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .isEqualTo(
            String.join(
                "\n",
                "subscribed: id BIGINT, name TEXT, _seq BIGINT; primary key (id)",
                "snapshot: id=1, name=apple, _seq=3",
                "snapshot: id=2, name=NULL, _seq=5",
                "ready: seq=9",
                "insert seq=10: id=3, name='blood orange', _seq=10",
                "update seq=11: id=1, name=apple, _seq=3 -> id=1, name=pear, _seq=11",
                "delete seq=12: id=2, name=NULL, _seq=5",
                ""));
    assertThat(run.status()).isZero();
  }

  @Test
  void shouldPrintCsvWithAnEventColumn() {
    server.subscribeScript = lively();

    Run run = subscribe("-f", "csv", "--limit", "3", "-e", STATEMENT);

    assertThat(run.out())
        .isEqualTo(
            String.join(
                "\n",
                "event,seq,id,name,_seq",
                "snapshot,,1,apple,3",
                "snapshot,,2,,5",
                "ready,9,,,",
                "insert,10,3,blood orange,10",
                ""));
  }

  @Test
  void shouldExitOneOnALiveErrorAndPrintItAsAnEvent() {
    server.subscribeScript =
        sendingThenEnding(
            subscribed(),
            ready(9),
            insert(3, "c", 10),
            error("SUBSCRIBER_TOO_SLOW", "Cannot deliver: the subscriber is too slow", 10));

    Run json = subscribe("--format", "json", "-e", STATEMENT);
    Run table = subscribe("-e", STATEMENT);

    assertThat(List.of(json.out().split("\n")))
        .hasSize(4)
        .last()
        .isEqualTo(
            "{\"event\":\"error\",\"code\":\"SUBSCRIBER_TOO_SLOW\",\"message\":\"Cannot deliver:"
                + " the subscriber is too slow\",\"last_seq\":10}");
    assertThat(json.err()).isEmpty();
    assertThat(json.status()).isEqualTo(1);
    assertThat(table.out()).endsWith("insert seq=10: id=3, name=c, _seq=10\n");
    assertThat(table.err())
        .isEqualTo(
            "ERROR SUBSCRIBER_TOO_SLOW: Cannot deliver: the subscriber is too slow (last seq"
                + " 10)\n");
    assertThat(table.status()).isEqualTo(1);
  }

  @Test
  void shouldPrintTheProtocolCodeOfALiveErrorEvenWithoutItsName() {
    LiveEvent killed =
        LiveEvent.newBuilder()
            .setError(
                LiveError.newBuilder()
                    .setError(
                        Error.newBuilder()
                            .setErrorCode(ErrorCode.LIVE_QUERY_KILLED)
                            .setMessage("Cannot deliver: the live query was killed"))
                    .setLastSeq(9))
            .build();
    server.subscribeScript = sendingThenEnding(subscribed(), ready(9), killed);

    Run json = subscribe("--format", "json", "-e", STATEMENT);
    Run table = subscribe("-e", STATEMENT);

    assertThat(List.of(json.out().split("\n")))
        .last()
        .isEqualTo(
            "{\"event\":\"error\",\"code\":\"LIVE_QUERY_KILLED\",\"message\":\"Cannot deliver:"
                + " the live query was killed\",\"last_seq\":9}");
    assertThat(table.err())
        .isEqualTo(
            "ERROR LIVE_QUERY_KILLED: Cannot deliver: the live query was killed (last seq 9)\n");
    assertThat(table.status()).isEqualTo(1);
  }

  @Test
  void shouldPrintTheProtocolCodeOfARefusalOverAStaleName() {
    server.subscribeScript =
        (request, authorization, events) -> {
          Metadata trailers = new Metadata();
          trailers.put(
              ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance()),
              ErrorDetail.newBuilder()
                  .setError(
                      Error.newBuilder()
                          .setErrorCode(ErrorCode.TABLE_NOT_FOUND)
                          .setCode("OLD_NAME")
                          .setMessage("Cannot subscribe: table shop.nope does not exist"))
                  .build());
          events.onError(
              Status.NOT_FOUND
                  .withDescription("Cannot subscribe: table shop.nope does not exist")
                  .asRuntimeException(trailers));
        };

    Run run = subscribe("-e", "SUBSCRIBE TO shop.nope");

    assertThat(run.err())
        .isEqualTo("ERROR TABLE_NOT_FOUND: Cannot subscribe: table shop.nope does not exist\n");
    assertThat(run.status()).isEqualTo(1);
  }

  @Test
  void shouldExitOneWhenTheStatementIsRejected() {
    server.subscribeScript =
        (request, authorization, events) ->
            events.onError(
                FakeTributaryServer.failure(
                    Status.INVALID_ARGUMENT,
                    "TABLE_NOT_FOUND",
                    "Cannot subscribe: table shop.nope does not exist"));

    Run run = subscribe("-e", "SUBSCRIBE TO shop.nope");

    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .isEqualTo("ERROR TABLE_NOT_FOUND: Cannot subscribe: table shop.nope does not exist\n");
    assertThat(run.status()).isEqualTo(1);
  }

  @Test
  void shouldExitZeroWhenTheServerEndsTheStream() {
    server.subscribeScript = sendingThenEnding(subscribed(), ready(1));

    Run run = subscribe("-f", "json", "-e", STATEMENT);

    assertThat(run.out()).endsWith("{\"event\":\"ready\",\"seq\":1}\n");
    assertThat(run.status()).isZero();
  }

  @Test
  void shouldRenewAnExpiredTokenOnceBeforeTheFirstEvent() {
    server.subscribeScript =
        (request, authorization, events) -> {
          if (authorization.equals("Bearer tok-1")) {
            events.onError(
                FakeTributaryServer.failure(
                    Status.UNAUTHENTICATED, "UNAUTHENTICATED", "Cannot authenticate: expired"));
          } else {
            sending(subscribed(), ready(1), insert(3, "c", 10))
                .play(request, authorization, events);
          }
        };

    Run run =
        SqlCommandTest.run(
            "",
            Map.of(),
            "sql",
            "--url",
            server.url(),
            "-u",
            "alice",
            "-p",
            "secret",
            "-f",
            "json",
            "--limit",
            "1",
            "-e",
            STATEMENT);

    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .endsWith(
            "{\"event\":\"insert\",\"seq\":10,\"row\":{\"id\":3,\"name\":\"c\",\"_seq\":10}}\n");
    assertThat(server.subscribeAuthorizations).containsExactly("Bearer tok-1", "Bearer tok-2");
    assertThat(run.status()).isZero();
  }

  @Test
  void shouldRefuseSubscribeAmongOtherStatements() {
    Run run = subscribe("-e", "SUBSCRIBE TO shop.fruit; SELECT 1");

    assertThat(run.err())
        .isEqualTo(
            "ERROR: Cannot subscribe: give exactly one SUBSCRIBE or live SELECT statement, got 2"
                + " statements\n");
    assertThat(run.status()).isEqualTo(1);
    assertThat(server.subscribeRequests).isEmpty();
  }

  @Test
  void shouldRejectANonPositiveLimit() {
    Run run = subscribe("--limit", "0", "-e", STATEMENT);

    assertThat(run.err()).isEqualTo("ERROR: Cannot subscribe: --limit must be positive, got 0\n");
    assertThat(run.status()).isEqualTo(2);
    assertThat(server.subscribeRequests).isEmpty();
  }

  @Test
  void shouldDescribeTheLimitInHelp() {
    Run run = SqlCommandTest.run("", Map.of(), "sql", "--help");

    assertThat(run.out()).contains("--limit=N", "SUBSCRIBE", "Ctrl-C");
  }

  private Run subscribe(String... args) {
    List<String> all = new ArrayList<>(List.of("sql", "--url", server.url(), "--token", "tok"));
    all.addAll(List.of(args));
    return SqlCommandTest.run("", Map.of(), all.toArray(String[]::new));
  }
}
