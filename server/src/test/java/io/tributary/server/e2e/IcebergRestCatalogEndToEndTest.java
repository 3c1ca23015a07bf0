package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.TributaryClient;
import io.tributary.iceberg.ReadOnlyLocalFileIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.ForbiddenException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NotAuthorizedException;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.apache.iceberg.rest.responses.ErrorResponseParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cold tier's history through the Iceberg REST catalog of a real server ({@code /iceberg}):
 * Iceberg's own {@link RESTCatalog} lists and loads a flushed table, Iceberg's generic reader and
 * DuckDB's {@code read_parquet} over the current snapshot's files return the rows that Tributary's
 * SELECT returns; tokens of other roles, missing tokens, unknown tables and writes are refused with
 * the specification's error model.
 */
class IcebergRestCatalogEndToEndTest {
  private static final Namespace NS = Namespace.of("rest_hist");
  private static final TableIdentifier NOTES = TableIdentifier.of(NS, "notes");
  private static final TableIdentifier ROOMS = TableIdentifier.of(NS, "rooms");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static String rootToken;
  private static Set<String> aliceRows;
  private static Set<String> bobRows;

  @BeforeAll
  static void flushSomeHistory() {
    try (TributaryClient root = TributaryClient.connect(SharedServer.url())) {
      rootToken = root.login("root", SharedServer.ROOT_PASSWORD).token();
      root.update(
          "CREATE NAMESPACE rest_hist;"
              + "CREATE TABLE rest_hist.notes (id INT PRIMARY KEY, body TEXT, score BIGINT);"
              + "CREATE SHARED TABLE rest_hist.rooms (id INT PRIMARY KEY, name TEXT);"
              + "CREATE USER 'rest_alice' WITH PASSWORD 'alice-password';"
              + "CREATE USER 'rest_bob' WITH PASSWORD 'bob-password-1';"
              + "CREATE USER 'rest_ops' WITH PASSWORD 'ops-password-1' ROLE dba;"
              + "CREATE USER 'rest_svc' WITH PASSWORD 'svc-password-1' ROLE service;"
              + "INSERT INTO rest_hist.rooms VALUES (1, 'lobby'), (2, 'kitchen')");
      try (TributaryClient alice = login("rest_alice", "alice-password");
          TributaryClient bob = login("rest_bob", "bob-password-1")) {
        alice.update(
            "INSERT INTO rest_hist.notes VALUES (1, 'alice one', 10), (2, 'alice two', 20),"
                + " (3, 'alice three', NULL)");
        bob.update("INSERT INTO rest_hist.notes VALUES (1, 'bob one', 100), (7, 'bob seven', 700)");
        // an update and a delete before the flush: the cold table holds the settled versions only
        alice.update("UPDATE rest_hist.notes SET body = 'alice two!' WHERE id = 2");
        bob.update("DELETE FROM rest_hist.notes WHERE id = 1");
        root.update("STORAGE FLUSH TABLE rest_hist.notes; STORAGE FLUSH TABLE rest_hist.rooms");
        aliceRows = selectedRows(alice);
        bobRows = selectedRows(bob);
      }
    }
    assertThat(aliceRows)
        .containsExactlyInAnyOrder("1|alice one|10", "2|alice two!|20", "3|alice three|null");
    assertThat(bobRows).containsExactly("7|bob seven|700");
  }

  @Test
  void shouldListAndLoadFlushedTablesAndReadTheSameRowsAsSelect() throws IOException {
    try (RESTCatalog catalog = restCatalog(rootToken)) {
      assertThat(catalog.listNamespaces()).contains(NS);
      assertThat(catalog.namespaceExists(NS)).isTrue();
      assertThat(catalog.loadNamespaceMetadata(NS)).isNotNull();
      assertThat(catalog.listTables(NS)).containsExactly(NOTES, ROOMS);
      assertThat(catalog.tableExists(NOTES)).isTrue();

      Table notes = catalog.loadTable(NOTES);
      assertThat(notes.schema().columns())
          .extracting(f -> f.name())
          .containsExactly("_owner", "_seq", "id", "body", "score");
      assertThat(notes.currentSnapshot()).isNotNull();
      assertThat(notes.spec().fields()).extracting(f -> f.transform().toString()).isNotEmpty();

      // Iceberg's generic reader: per owner, exactly what that owner's SELECT returns
      List<List<Object>> generic = new ArrayList<>();
      try (CloseableIterable<Record> records = IcebergGenerics.read(notes).build()) {
        for (Record r : records) {
          generic.add(
              List.of(
                  r.getField("_owner"),
                  r.getField("_seq"),
                  String.valueOf(r.getField("id")),
                  String.valueOf(r.getField("body")),
                  String.valueOf(r.getField("score"))));
        }
      }
      assertThat(byOwner(generic).values()).containsExactlyInAnyOrder(aliceRows, bobRows);

      // DuckDB over the files of the current snapshot: the same rows, owner and _seq included
      List<String> files = new ArrayList<>();
      try (CloseableIterable<FileScanTask> tasks = notes.newScan().planFiles()) {
        tasks.forEach(t -> files.add(t.file().location()));
      }
      assertThat(files).isNotEmpty().allSatisfy(f -> assertThat(f).endsWith(".parquet"));
      List<List<Object>> duck = duckDb(files);
      assertThat(duck).containsExactlyInAnyOrderElementsOf(generic);

      // the SHARED table: no owner
      Table rooms = catalog.loadTable(ROOMS);
      List<String> roomRows = new ArrayList<>();
      try (CloseableIterable<Record> records = IcebergGenerics.read(rooms).build()) {
        records.forEach(r -> roomRows.add(r.getField("_owner") + "|" + r.getField("name")));
      }
      assertThat(roomRows).containsExactlyInAnyOrder("null|lobby", "null|kitchen");
    }
  }

  @Test
  void shouldServeADbaToken() throws IOException {
    try (RESTCatalog catalog = restCatalog(token("rest_ops", "ops-password-1"))) {
      assertThat(catalog.listTables(NS)).contains(NOTES);
      assertThat(catalog.loadTable(NOTES).currentSnapshot()).isNotNull();
    }
  }

  @Test
  void shouldRefuseUsersServicesAndCallersWithoutAToken() throws Exception {
    String userToken = token("rest_alice", "alice-password");
    assertThatThrownBy(() -> restCatalog(userToken).close())
        .isInstanceOf(ForbiddenException.class)
        .hasMessageContaining(
            "Cannot read the Iceberg catalog: role user may not read it (dba or system required)");

    assertThatThrownBy(() -> restCatalog(null).close())
        .isInstanceOf(NotAuthorizedException.class)
        .hasMessageContaining(
            "Cannot authenticate: missing 'authorization: Bearer <token>' header");

    HttpResponse<String> service =
        send("GET", "/v1/namespaces", "Bearer " + token("rest_svc", "svc-password-1"));
    assertThat(service.statusCode()).isEqualTo(403);
    assertThat(errorOf(service).message())
        .isEqualTo(
            "Cannot read the Iceberg catalog: role service may not read it (dba or system"
                + " required)");

    HttpResponse<String> anonymous = send("GET", "/v1/namespaces/rest_hist/tables/notes", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("www-authenticate"))
        .hasValue("Bearer realm=\"tributary\"");
    ErrorResponse error = errorOf(anonymous);
    assertThat(error.code()).isEqualTo(401);
    assertThat(error.type()).isEqualTo("NotAuthorizedException");
    assertThat(anonymous.body()).doesNotContain("metadata");

    HttpResponse<String> forged = send("GET", "/v1/config", "Bearer not-a-token");
    assertThat(forged.statusCode()).isEqualTo(401);
  }

  @Test
  void shouldAnswerUnknownNamespacesAndTablesWithTheirExceptions() throws Exception {
    try (RESTCatalog catalog = restCatalog(rootToken)) {
      assertThatThrownBy(() -> catalog.loadTable(TableIdentifier.of(NS, "nope")))
          .isInstanceOf(NoSuchTableException.class)
          .hasMessageContaining("Cannot load table rest_hist.nope: the table does not exist");
      assertThat(catalog.tableExists(TableIdentifier.of(NS, "nope"))).isFalse();
      assertThatThrownBy(() -> catalog.listTables(Namespace.of("rest_none")))
          .isInstanceOf(NoSuchNamespaceException.class)
          .hasMessageContaining("Cannot find namespace rest_none");
      assertThat(catalog.namespaceExists(Namespace.of("rest_none"))).isFalse();
    }
    HttpResponse<String> missing = send("GET", "/v1/namespaces/rest_hist/tables/nope", rootToken());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(errorOf(missing).type()).isEqualTo("NoSuchTableException");
  }

  @Test
  void shouldAnswerExistenceChecksChildNamespacesConfigAndUnknownRoutes() throws Exception {
    assertThat(send("HEAD", "/v1/namespaces/rest_hist", rootToken()).statusCode()).isEqualTo(204);
    assertThat(send("HEAD", "/v1/namespaces/rest_none", rootToken()).statusCode()).isEqualTo(404);
    assertThat(send("HEAD", "/v1/namespaces/rest_hist/tables/notes", rootToken()).statusCode())
        .isEqualTo(204);
    assertThat(send("HEAD", "/v1/namespaces/rest_hist/tables/nope", rootToken()).statusCode())
        .isEqualTo(404);

    HttpResponse<String> children = send("GET", "/v1/namespaces?parent=rest_hist", rootToken());
    assertThat(children.statusCode()).isEqualTo(200);
    assertThat(children.body()).contains("\"namespaces\":[]");
    assertThat(send("GET", "/v1/namespaces?parent=rest_none", rootToken()).statusCode())
        .isEqualTo(404);

    HttpResponse<String> config = send("GET", "/v1/config", rootToken());
    assertThat(config.statusCode()).isEqualTo(200);
    assertThat(config.body())
        .contains("GET /v1/{prefix}/namespaces/{namespace}/tables/{table}")
        .doesNotContain("POST");

    // a metadata table (ns.notes.snapshots) is not a table of the catalog
    HttpResponse<String> metadataTable =
        send("GET", "/v1/namespaces/rest_hist%1Fnotes/tables/snapshots", rootToken());
    assertThat(metadataTable.statusCode()).isEqualTo(404);
    assertThat(errorOf(metadataTable).type()).isEqualTo("NoSuchTableException");

    HttpResponse<String> views = send("GET", "/v1/namespaces/rest_hist/views", rootToken());
    assertThat(views.statusCode()).isEqualTo(404);
    assertThat(errorOf(views).message())
        .isEqualTo(
            "Cannot serve /iceberg/v1/namespaces/rest_hist/views: no such route of the Iceberg"
                + " REST catalog");
  }

  @Test
  void shouldRefuseEveryWriteWithMethodNotAllowed() throws Exception {
    for (String[] write :
        new String[][] {
          {"POST", "/v1/namespaces"},
          {"DELETE", "/v1/namespaces/rest_hist"},
          {"POST", "/v1/namespaces/rest_hist/properties"},
          {"POST", "/v1/namespaces/rest_hist/tables"},
          {"POST", "/v1/namespaces/rest_hist/register"},
          {"POST", "/v1/namespaces/rest_hist/tables/notes"},
          {"DELETE", "/v1/namespaces/rest_hist/tables/notes"},
          {"POST", "/v1/tables/rename"},
          {"POST", "/v1/transactions/commit"},
        }) {
      HttpResponse<String> response = send(write[0], write[1], rootToken());
      assertThat(response.statusCode()).as("%s %s", write[0], write[1]).isEqualTo(405);
      assertThat(response.headers().firstValue("allow")).hasValue("GET, HEAD");
      ErrorResponse error = errorOf(response);
      assertThat(error.code()).isEqualTo(405);
      assertThat(error.message())
          .isEqualTo(
              "Cannot "
                  + write[0]
                  + " /iceberg"
                  + write[1]
                  + ": Tributary's Iceberg REST catalog is read-only (tables change through SQL"
                  + " and STORAGE FLUSH)");
    }
    // nothing changed
    try (RESTCatalog catalog = restCatalog(rootToken)) {
      assertThat(catalog.listTables(NS)).containsExactly(NOTES, ROOMS);
    }
  }

  private static Map<Object, Set<String>> byOwner(List<List<Object>> rows) {
    Map<Object, Set<String>> out = new HashMap<>();
    for (List<Object> r : rows) {
      assertThat(r.get(0)).isNotNull();
      out.computeIfAbsent(r.get(0), k -> new HashSet<>())
          .add(r.get(2) + "|" + r.get(3) + "|" + r.get(4));
    }
    return out;
  }

  private static List<List<Object>> duckDb(List<String> files) {
    String list =
        files.stream().map(f -> "'" + f.replace("'", "''") + "'").collect(Collectors.joining(", "));
    List<List<Object>> rows = new ArrayList<>();
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = duck.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT _owner, _seq, id, body, score FROM read_parquet([" + list + "])")) {
      while (rs.next()) {
        rows.add(
            List.of(
                rs.getString(1),
                rs.getLong(2),
                String.valueOf(rs.getObject(3)),
                String.valueOf(rs.getObject(4)),
                String.valueOf(rs.getObject(5))));
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return rows;
  }

  private static Set<String> selectedRows(TributaryClient client) {
    return client.query("SELECT id, body, score FROM rest_hist.notes").rows().stream()
        .map(r -> r.getInteger("id") + "|" + r.getString("body") + "|" + r.getLong("score"))
        .collect(Collectors.toSet());
  }

  private static RESTCatalog restCatalog(String token) {
    Map<String, String> props = new HashMap<>();
    props.put(CatalogProperties.URI, SharedServer.url() + "/iceberg");
    // Hadoop's local file system needs the whole Hadoop client, which the server does not ship.
    props.put(CatalogProperties.FILE_IO_IMPL, ReadOnlyLocalFileIO.class.getName());
    if (token != null) {
      // sent as 'Authorization: Bearer <token>'; Tributary has no OAuth2 endpoint to refresh it at
      props.put("token", token);
      props.put("rest.auth.type", "oauth2");
      props.put("token-refresh-enabled", "false");
    }
    RESTCatalog catalog = new RESTCatalog();
    catalog.initialize("tributary", props);
    return catalog;
  }

  private static TributaryClient login(String user, String password) {
    TributaryClient client = TributaryClient.connect(SharedServer.url());
    client.login(user, password);
    return client;
  }

  private static String token(String user, String password) {
    try (TributaryClient client = TributaryClient.connect(SharedServer.url())) {
      return client.login(user, password).token();
    }
  }

  private static String rootToken() {
    return "Bearer " + rootToken;
  }

  private HttpResponse<String> send(String method, String path, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(SharedServer.url() + "/iceberg" + path))
            .method(
                method,
                method.equals("GET") || method.equals("HEAD")
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString("{}"));
    if (authorization != null) {
      request.header("authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static ErrorResponse errorOf(HttpResponse<String> response) {
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    try {
      return ErrorResponseParser.fromJson(response.body());
    } catch (RuntimeException e) {
      throw new UncheckedIOException(new IOException("Not an ErrorModel: " + response.body(), e));
    }
  }
}
