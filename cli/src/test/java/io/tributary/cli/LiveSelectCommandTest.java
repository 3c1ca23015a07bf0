package io.tributary.cli;

import static io.tributary.client.testing.FakeTributaryServer.delete;
import static io.tributary.client.testing.FakeTributaryServer.insert;
import static io.tributary.client.testing.FakeTributaryServer.ready;
import static io.tributary.client.testing.FakeTributaryServer.row;
import static io.tributary.client.testing.FakeTributaryServer.sending;
import static io.tributary.client.testing.FakeTributaryServer.snapshot;
import static io.tributary.client.testing.FakeTributaryServer.subscribed;
import static io.tributary.client.testing.FakeTributaryServer.subscribedOrderedByName;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
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

/**
 * {@code tributary sql --live -e "SELECT ..."} and {@code EXECUTE AS USER '...' (SUBSCRIBE ...)}
 * run on the live service, against a fake LiveService on a local port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveSelectCommandTest {
  private static final String WINDOW = "SELECT name FROM shop.fruit ORDER BY name DESC LIMIT 2";

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
    server.cancelled.set(0);
    // A window of two: a row written above the cut comes in, the last one goes out.
    server.subscribeScript =
        sending(
            subscribedOrderedByName(true, true),
            snapshot(false, row(2, "pear", 4), row(1, "apple", 3)),
            ready(9),
            delete(1, "apple", 3, 10),
            insert(3, "quince", 10),
            insert(9, "never printed", 11));
  }

  @Test
  void shouldKeepASelectLiveWithTheLiveFlagInTableFormat() {
    Run run = sql("--live", "--limit", "4", "-e", WINDOW + ";");

    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .isEqualTo(
            String.join(
                "\n",
                "subscribed: id BIGINT, name TEXT, _seq BIGINT; primary key (id); order by name"
                    + " DESC NULLS FIRST",
                "snapshot: id=2, name=pear, _seq=4",
                "snapshot: id=1, name=apple, _seq=3",
                "ready: seq=9",
                "delete seq=10: id=1, name=apple, _seq=3",
                "insert seq=10: id=3, name=quince, _seq=10",
                ""));
    assertThat(run.status()).isZero();
    assertThat(server.subscribeRequests)
        .singleElement()
        .satisfies(r -> assertThat(r.getSql()).isEqualTo(WINDOW));
  }

  @Test
  void shouldPrintALiveSelectAsJsonLinesAndCsv() {
    Run json = sql("--live", "--limit", "4", "-f", "json", "-e", WINDOW);
    Run csv = sql("--live", "--limit", "2", "-f", "csv", "-e", WINDOW);

    assertThat(json.out().split("\n"))
        .hasSize(6)
        .startsWith(
            "{\"event\":\"subscribed\",\"columns\":[{\"name\":\"id\",\"type\":\"BIGINT\","
                + "\"nullable\":false},{\"name\":\"name\",\"type\":\"TEXT\",\"nullable\":true},"
                + "{\"name\":\"_seq\",\"type\":\"BIGINT\",\"nullable\":false}],"
                + "\"primary_key\":[\"id\"],"
                + "\"order_by\":[{\"column\":\"name\",\"descending\":true,\"nulls_first\":true}]}")
        .endsWith(
            "{\"event\":\"delete\",\"seq\":10,\"row\":{\"id\":1,\"name\":\"apple\",\"_seq\":3}}",
            "{\"event\":\"insert\",\"seq\":10,\"row\":{\"id\":3,\"name\":\"quince\",\"_seq\":10}}");
    assertThat(csv.out())
        .isEqualTo("event,seq,id,name,_seq\nsnapshot,,2,pear,4\nsnapshot,,1,apple,3\n");
    assertThat(json.status()).isZero();
    assertThat(csv.status()).isZero();
  }

  @Test
  void shouldOpenSubscribeAndLiveSelectAsAnotherUserOnTheLiveService() {
    server.subscribeScript = sending(subscribed(), snapshot(false, row(1, "apple", 3)), ready(3));
    String subscribe = "EXECUTE AS USER 'u1' (SUBSCRIBE TO shop.fruit WHERE id > 0)";
    String select = "execute as user \"u1\" ( SELECT * FROM shop.fruit ORDER BY id LIMIT 5 )";

    Run first = sql("--limit", "1", "-e", subscribe + ";");
    Run second = sql("--live", "--limit", "1", "-e", select);

    assertThat(first.err()).isEmpty();
    assertThat(first.out()).endsWith("snapshot: id=1, name=apple, _seq=3\n");
    assertThat(first.status()).isZero();
    assertThat(second.status()).isZero();
    assertThat(server.subscribeRequests)
        .extracting(r -> r.getSql())
        .containsExactly(subscribe, select);
  }

  @Test
  void shouldShowTheServersCodeWhenTheStatementIsNoLiveSelect() {
    server.subscribeScript =
        (request, authorization, events) ->
            events.onError(
                FakeTributaryServer.failure(
                    Status.INVALID_ARGUMENT,
                    "UNSUPPORTED_STATEMENT",
                    "Cannot subscribe: a live SELECT supports only SELECT <columns or *> FROM"
                        + " <namespace.table> [WHERE ...] [ORDER BY <columns> [ASC|DESC]] [LIMIT"
                        + " n], not GROUP BY"));

    Run run = sql("--live", "-e", "SELECT name FROM shop.fruit GROUP BY name");

    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .startsWith("ERROR UNSUPPORTED_STATEMENT: Cannot subscribe: a live SELECT supports only")
        .endsWith("not GROUP BY\n");
    assertThat(run.status()).isEqualTo(1);
  }

  @Test
  void shouldRefuseALiveStatementAmongOthersWithoutSendingAnything() {
    Run live = sql("--live", "-e", "SELECT * FROM shop.fruit; SELECT 1");
    Run mixed = sql("-e", "SELECT 1; EXECUTE AS USER 'u1' (SUBSCRIBE TO shop.fruit)");

    String message =
        "ERROR: Cannot subscribe: give exactly one SUBSCRIBE or live SELECT statement, got 2"
            + " statements\n";
    assertThat(live.err()).isEqualTo(message);
    assertThat(mixed.err()).isEqualTo(message).doesNotContain("tributary sql");
    assertThat(live.status()).isEqualTo(1);
    assertThat(mixed.status()).isEqualTo(1);
    assertThat(server.subscribeRequests).isEmpty();
  }

  @Test
  void shouldAskForAStatementWithTheLiveFlag() {
    Run run = sql("--live");

    assertThat(run.err())
        .isEqualTo("ERROR: Cannot subscribe: --live keeps the statement of -e live; give -e\n");
    assertThat(run.status()).isEqualTo(2);
    assertThat(server.subscribeRequests).isEmpty();
  }

  @Test
  void shouldRunALoneSubscribeReadFromStdinLive() {
    Run run =
        SqlCommandTest.run(
            "-- watch the fruit\nSUBSCRIBE TO shop.fruit\n  WHERE id > 0;\n",
            Map.of(),
            "sql",
            "--url",
            server.url(),
            "--token",
            "tok",
            "--limit",
            "2");

    assertThat(run.err()).isEmpty();
    assertThat(run.out()).contains("snapshot: id=1, name=apple, _seq=3");
    assertThat(run.status()).isZero();
    assertThat(server.subscribeRequests)
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.getSql())
                    .isEqualTo("-- watch the fruit\nSUBSCRIBE TO shop.fruit\n  WHERE id > 0"));
  }

  @Test
  void shouldDescribeTheLiveFlagInHelp() {
    Run run = SqlCommandTest.run("", Map.of(), "sql", "--help");

    assertThat(run.out()).contains("--live", "SELECT", "EXECUTE AS USER");
  }

  private Run sql(String... args) {
    List<String> all = new ArrayList<>(List.of("sql", "--url", server.url(), "--token", "tok"));
    all.addAll(List.of(args));
    return SqlCommandTest.run("", Map.of(), all.toArray(String[]::new));
  }
}
