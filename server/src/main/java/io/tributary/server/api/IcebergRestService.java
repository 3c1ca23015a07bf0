package io.tributary.server.api;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.tributary.iceberg.ColdCatalogView;
import io.tributary.query.Authorizer;
import io.tributary.query.TributaryException;
import io.tributary.server.Principal;
import io.tributary.server.StatementRunner;
import io.tributary.server.auth.TokenService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.rest.Endpoint;
import org.apache.iceberg.rest.RESTSerializers;
import org.apache.iceberg.rest.RESTUtil;
import org.apache.iceberg.rest.responses.ConfigResponse;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.apache.iceberg.rest.responses.ErrorResponseParser;
import org.apache.iceberg.rest.responses.GetNamespaceResponse;
import org.apache.iceberg.rest.responses.ListNamespacesResponse;
import org.apache.iceberg.rest.responses.ListTablesResponse;
import org.apache.iceberg.rest.responses.LoadTableResponse;
import org.apache.iceberg.rest.responses.LoadTableResponseParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only Iceberg REST catalog (the Iceberg REST catalog specification) over the cold tier,
 * served under {@value #PREFIX}: external engines (Spark, Trino, PyIceberg, DuckDB, Iceberg's own
 * {@code RESTCatalog}) list the namespaces and tables that hold flushed history and load a table's
 * metadata, then read its Parquet files directly from the data directory.
 *
 * <p>Routes, relative to {@value #PREFIX}: {@code GET /v1/config}; {@code GET /v1/namespaces} (with
 * {@code parent}: a namespace has no children, so an empty list); {@code GET} and {@code HEAD
 * /v1/namespaces/{ns}}; {@code GET /v1/namespaces/{ns}/tables}; {@code GET} and {@code HEAD
 * /v1/namespaces/{ns}/tables/{table}} (a {@code LoadTableResult} with {@code metadata-location} and
 * {@code metadata}). Pagination parameters are ignored: every list comes whole. Every other method
 * on these routes, and every write route of the specification (creating, committing, renaming,
 * dropping, registering, transactions, metrics reports), answers {@code 405} with {@code Allow:
 * GET, HEAD}: tables change only through Tributary's SQL and flushes. Other paths answer {@code
 * 404}; a namespace or table name that does not decode, {@code 400}.
 *
 * <p>Every request needs {@code Authorization: Bearer <token>} with a token from {@code
 * AuthService/Login} of a dba or system account, checked as for gRPC calls (a dropped account or a
 * changed password revokes it): without a valid token, {@code 401} (with {@code WWW-Authenticate:
 * Bearer}); with the token of another role, {@code 403}. Errors carry the specification's {@code
 * ErrorModel} ({@code {"error": {"message", "type", "code"}}}); an unexpected failure answers
 * {@code 500} and goes to the server log, not to the client.
 *
 * <p>Bodies are written by iceberg-core's own serializers ({@link RESTSerializers}, {@link
 * LoadTableResponseParser}, {@link ErrorResponseParser}). Calls run on the blocking task executor
 * (the catalog is a database). Thread-safe.
 */
final class IcebergRestService implements HttpService {
  /** The path the catalog is served under: a client's {@code uri} is {@code <server>/iceberg}. */
  static final String PREFIX = "/iceberg";

  private static final Logger LOG = LoggerFactory.getLogger(IcebergRestService.class);
  private static final MediaType JSON = MediaType.JSON_UTF_8;
  private static final List<Endpoint> ENDPOINTS =
      List.of(
          Endpoint.V1_LIST_NAMESPACES,
          Endpoint.V1_LOAD_NAMESPACE,
          Endpoint.V1_NAMESPACE_EXISTS,
          Endpoint.V1_LIST_TABLES,
          Endpoint.V1_LOAD_TABLE,
          Endpoint.V1_TABLE_EXISTS);

  /** The write routes of the specification that a path may name (answered 405, not 404). */
  private static final Set<String> WRITE_ROUTES =
      Set.of(
          "namespaces/*/properties",
          "namespaces/*/register",
          "namespaces/*/tables/*/metrics",
          "tables/rename",
          "transactions/commit",
          "oauth/tokens");

  private final TokenService tokens;
  private final StatementRunner accounts;
  private final ColdCatalogView catalog;
  private final ObjectMapper mapper;

  IcebergRestService(TokenService tokens, StatementRunner accounts, ColdCatalogView catalog) {
    this.tokens = tokens;
    this.accounts = accounts;
    this.catalog = catalog;
    // As iceberg-core's own REST object mapper (RESTObjectMapper, package-private there).
    this.mapper = new ObjectMapper();
    mapper.setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
    mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    mapper.setPropertyNamingStrategy(new PropertyNamingStrategies.KebabCaseStrategy());
    RESTSerializers.registerAll(mapper);
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    HttpMethod method = req.method();
    String path = ctx.mappedPath();
    String query = ctx.query();
    return HttpResponse.of(
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return handle(authorization, method, path, query);
              } catch (BadRequest e) {
                return error(
                    HttpStatus.BAD_REQUEST,
                    "BadRequestException",
                    "Cannot read the request " + PREFIX + path + ": " + e.getMessage());
              } catch (RuntimeException e) {
                LOG.error("Iceberg REST request {} {} failed", method, path, e);
                return error(
                    HttpStatus.INTERNAL_SERVER_ERROR,
                    "ServiceFailureException",
                    "Cannot serve the request: internal error (see the server log)");
              }
            },
            ctx.blockingTaskExecutor()));
  }

  private HttpResponse handle(String authorization, HttpMethod method, String path, String query) {
    Principal principal;
    try {
      principal = accounts.revalidate(tokens.verify(AuthInterceptor.bearerToken(authorization)));
    } catch (TributaryException e) {
      return HttpResponse.of(
          ResponseHeaders.builder(HttpStatus.UNAUTHORIZED)
              .add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"tributary\"")
              .contentType(JSON)
              .build(),
          HttpData.ofUtf8(errorJson(HttpStatus.UNAUTHORIZED, "NotAuthorizedException", e)));
    }
    if (!Authorizer.mayReadColdCatalog(principal.role())) {
      return error(
          HttpStatus.FORBIDDEN,
          "ForbiddenException",
          String.format(
              "Cannot read the Iceberg catalog: role %s may not read it (dba or system required)",
              principal.role().sqlName()));
    }
    List<String> segments = segments(path);
    if (segments.isEmpty() || !segments.get(0).equals("v1")) {
      return notFound(path);
    }
    List<String> route = segments.subList(1, segments.size());
    String shape = shape(route);
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
    switch (shape) {
      case "config":
        return read ? ok(config()) : readOnly(method, path);
      case "namespaces":
        return read ? namespaces(QueryParams.fromQueryString(query)) : readOnly(method, path);
      case "namespaces/*":
        return read ? namespace(method, namespace(route.get(1))) : readOnly(method, path);
      case "namespaces/*/tables":
        return read ? tables(namespace(route.get(1))) : readOnly(method, path);
      case "namespaces/*/tables/*":
        return read
            ? table(method, TableIdentifier.of(namespace(route.get(1)), decode(route.get(3))))
            : readOnly(method, path);
      default:
        return WRITE_ROUTES.contains(shape) ? readOnly(method, path) : notFound(path);
    }
  }

  private String config() {
    return write(ConfigResponse.builder().withEndpoints(ENDPOINTS).build());
  }

  private HttpResponse namespaces(QueryParams params) {
    String parent = params.get("parent");
    if (parent != null && !parent.isEmpty()) {
      Namespace of;
      try {
        of = RESTUtil.namespaceFromQueryParam(parent);
      } catch (IllegalArgumentException e) {
        throw new BadRequest(e);
      }
      if (!catalog.namespaceExists(of)) {
        return noSuchNamespace(of);
      }
      // Tributary's namespaces have one level: none has children.
      return ok(write(ListNamespacesResponse.builder().build()));
    }
    return ok(write(ListNamespacesResponse.builder().addAll(catalog.namespaces()).build()));
  }

  private HttpResponse namespace(HttpMethod method, Namespace namespace) {
    if (method == HttpMethod.HEAD) {
      return HttpResponse.of(
          catalog.namespaceExists(namespace) ? HttpStatus.NO_CONTENT : HttpStatus.NOT_FOUND);
    }
    if (!catalog.namespaceExists(namespace)) {
      return noSuchNamespace(namespace);
    }
    try {
      return ok(
          write(
              GetNamespaceResponse.builder()
                  .withNamespace(namespace)
                  .setProperties(catalog.namespaceProperties(namespace))
                  .build()));
    } catch (NoSuchNamespaceException e) {
      return noSuchNamespace(namespace);
    }
  }

  private HttpResponse tables(Namespace namespace) {
    if (!catalog.namespaceExists(namespace)) {
      return noSuchNamespace(namespace);
    }
    try {
      return ok(write(ListTablesResponse.builder().addAll(catalog.tables(namespace)).build()));
    } catch (NoSuchNamespaceException e) {
      return noSuchNamespace(namespace);
    }
  }

  private HttpResponse table(HttpMethod method, TableIdentifier id) {
    TableMetadata metadata;
    try {
      metadata = catalog.table(id);
    } catch (NoSuchTableException e) {
      if (method == HttpMethod.HEAD) {
        return HttpResponse.of(HttpStatus.NOT_FOUND);
      }
      return error(
          HttpStatus.NOT_FOUND,
          "NoSuchTableException",
          String.format("Cannot load table %s: the table does not exist", id));
    }
    if (method == HttpMethod.HEAD) {
      return HttpResponse.of(HttpStatus.NO_CONTENT);
    }
    return ok(
        LoadTableResponseParser.toJson(
            LoadTableResponse.builder().withTableMetadata(metadata).build()));
  }

  private static HttpResponse ok(String body) {
    return HttpResponse.of(HttpStatus.OK, JSON, body);
  }

  private String write(Object response) {
    try {
      return mapper.writeValueAsString(response);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write " + response.getClass().getSimpleName(), e);
    }
  }

  private static HttpResponse noSuchNamespace(Namespace namespace) {
    return error(
        HttpStatus.NOT_FOUND,
        "NoSuchNamespaceException",
        String.format("Cannot find namespace %s: it holds no flushed table", namespace));
  }

  private static HttpResponse readOnly(HttpMethod method, String path) {
    return HttpResponse.of(
        ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED)
            .add(HttpHeaderNames.ALLOW, "GET, HEAD")
            .contentType(JSON)
            .build(),
        HttpData.ofUtf8(
            errorJson(
                HttpStatus.METHOD_NOT_ALLOWED,
                "UnsupportedOperationException",
                String.format(
                    "Cannot %s %s%s: Tributary's Iceberg REST catalog is read-only (tables change"
                        + " through SQL and STORAGE FLUSH)",
                    method, PREFIX, path))));
  }

  private static HttpResponse notFound(String path) {
    return error(
        HttpStatus.NOT_FOUND,
        "NotFoundException",
        String.format(
            "Cannot serve %s%s: no such route of the Iceberg REST catalog", PREFIX, path));
  }

  private static HttpResponse error(HttpStatus status, String type, String message) {
    return HttpResponse.of(status, JSON, errorJson(status, type, message));
  }

  private static String errorJson(HttpStatus status, String type, Exception e) {
    return errorJson(status, type, e.getMessage());
  }

  private static String errorJson(HttpStatus status, String type, String message) {
    return ErrorResponseParser.toJson(
        ErrorResponse.builder()
            .responseCode(status.code())
            .withType(type)
            .withMessage(message)
            .build());
  }

  /** The path's segments, still percent-encoded (a namespace's levels are split by {@code %1F}). */
  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /** The route with its namespace and table segments replaced by {@code *}. */
  private static String shape(List<String> route) {
    String[] parts = route.toArray(String[]::new);
    if (parts.length >= 2 && parts[0].equals("namespaces")) {
      parts[1] = "*";
      if (parts.length >= 4 && parts[2].equals("tables")) {
        parts[3] = "*";
      }
    }
    return String.join("/", Arrays.asList(parts));
  }

  private static Namespace namespace(String encoded) {
    try {
      return RESTUtil.decodeNamespace(encoded);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e);
    }
  }

  private static String decode(String encoded) {
    try {
      return RESTUtil.decodeString(encoded);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e);
    }
  }

  /** A namespace or table name in the path, or a parameter, that does not decode: {@code 400}. */
  private static final class BadRequest extends RuntimeException {
    BadRequest(IllegalArgumentException cause) {
      super(cause.getMessage(), cause);
    }
  }
}
