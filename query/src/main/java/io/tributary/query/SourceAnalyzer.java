package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.SourceDef;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.parse.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Analyzes CREATE, ALTER and DROP SOURCE: the checks that need only the catalog (role, names,
 * options, the target table). What needs the source database (credentials, publication, the table's
 * columns) is the server's to check when it carries out the {@link Action.SourceChange}.
 */
final class SourceAnalyzer {
  private static final Set<String> OPTIONS =
      Set.of("url", "user", "password", "publication", "slot");
  private static final List<String> REQUIRED = List.of("url", "user", "publication", "slot");

  /** PostgreSQL's rule for replication slot names. */
  private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");

  private final Catalog catalog;
  private final Environment env;

  SourceAnalyzer(Catalog catalog, Environment env) {
    this.catalog = catalog;
    this.env = env;
  }

  Action analyze(Statement.Source s, UserDef actor) {
    return switch (s.op()) {
      case CREATE -> create(s, actor);
      case MAP -> map(s, actor);
      case UNMAP -> unmap(s, actor);
      case DROP -> drop(s, actor);
    };
  }

  private Action create(Statement.Source s, UserDef actor) {
    String action = "create source " + s.name();
    Authorizer.checkChangesCatalog(actor.role(), action);
    if (!"POSTGRES".equals(s.type()) && !"POSTGRESQL".equals(s.type())) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: the source type must be POSTGRES, not %s",
          action,
          s.type());
    }
    Map<String, String> o = s.options();
    for (String key : o.keySet()) {
      if (!OPTIONS.contains(key)) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot %s: unknown option '%s' (expected url, user, password, publication, slot)",
            action,
            key);
      }
    }
    for (String key : REQUIRED) {
      if (o.get(key) == null || o.get(key).isBlank()) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT, "Cannot %s: option '%s' is required", action, key);
      }
    }
    String url = o.get("url");
    if (!url.startsWith("postgresql://") && !url.startsWith("jdbc:postgresql://")) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: url must look like postgresql://host:port/database",
          action);
    }
    if (hasSecret(url)) {
      // the url is shown back (system.sources); a password belongs in the password option only
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: url must not hold a password or user info (use the user and password"
              + " options)",
          action);
    }
    if (!SLOT.matcher(o.get("slot")).matches()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: slot must be 1 to 63 lower-case letters, digits or underscores",
          action);
    }
    if (catalog.source(s.name()).isPresent()) {
      throw TributaryException.of(
          ErrorCode.SOURCE_EXISTS, "Cannot %s: a source with that name exists", action);
    }
    for (SourceDef other : catalog.sources()) {
      if (other.slot().equals(o.get("slot")) && other.url().equals(url)) {
        throw TributaryException.of(
            ErrorCode.SOURCE_EXISTS,
            "Cannot %s: source %s already uses slot %s of that database",
            action,
            other.name(),
            other.slot());
      }
    }
    SourceDef def =
        new SourceDef(
            s.name(),
            "postgres",
            url,
            o.get("user"),
            o.getOrDefault("password", ""),
            o.get("publication"),
            o.get("slot"),
            List.of(),
            env.nowMillis());
    return new Action.SourceChange("CREATE SOURCE", s.op(), null, def, null, null);
  }

  private Action map(Statement.Source s, UserDef actor) {
    String action =
        "map table " + s.sourceTable()[0] + "." + s.sourceTable()[1] + " of source " + s.name();
    Authorizer.checkChangesCatalog(actor.role(), action);
    SourceDef source = existing(s.name(), action);
    String namespace = s.target()[0];
    String name = s.target()[1];
    if (Catalog.SYSTEM_NAMESPACE.equals(namespace)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: the system namespace is read-only", action);
    }
    TableDef target =
        catalog
            .table(namespace, name)
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.TABLE_NOT_FOUND,
                        "Cannot %s: table %s.%s does not exist (create it first)",
                        action,
                        namespace,
                        name));
    if (target.kind() == TableKind.STREAM) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: %s is a STREAM table; map into a USER or SHARED table",
          action,
          target.qualifiedName());
    }
    if (target.kind() == TableKind.USER && s.ownerColumn() == null) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: %s is a USER table, so the mapping needs OWNER COLUMN <column naming the"
              + " user>",
          action,
          target.qualifiedName());
    }
    if (target.kind() == TableKind.SHARED && s.ownerColumn() != null) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: %s is a SHARED table, whose rows have no owner; drop OWNER COLUMN",
          action,
          target.qualifiedName());
    }
    for (SourceDef other : catalog.sources()) {
      for (SourceDef.SourceTable t : other.tables()) {
        boolean sameSourceTable =
            other.name().equals(source.name())
                && t.schema().equals(s.sourceTable()[0])
                && t.table().equals(s.sourceTable()[1]);
        if (t.namespace().equals(namespace) && t.target().equals(name) && !sameSourceTable) {
          throw TributaryException.of(
              ErrorCode.INVALID_ARGUMENT,
              "Cannot %s: %s is already mapped from %s of source %s",
              action,
              target.qualifiedName(),
              t.sourceName(),
              other.name());
        }
      }
    }
    if (source.table(s.sourceTable()[0], s.sourceTable()[1]).isPresent()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT, "Cannot %s: it is already mapped (UNMAP it first)", action);
    }
    SourceDef.SourceTable mapping =
        new SourceDef.SourceTable(
            s.sourceTable()[0], s.sourceTable()[1], namespace, name, s.ownerColumn(), 0);
    return new Action.SourceChange(
        "ALTER SOURCE", s.op(), source, source.withTable(mapping), mapping, target);
  }

  private Action unmap(Statement.Source s, UserDef actor) {
    String action =
        "unmap table " + s.sourceTable()[0] + "." + s.sourceTable()[1] + " of source " + s.name();
    Authorizer.checkChangesCatalog(actor.role(), action);
    SourceDef source = existing(s.name(), action);
    SourceDef.SourceTable mapping =
        source
            .table(s.sourceTable()[0], s.sourceTable()[1])
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.TABLE_NOT_FOUND, "Cannot %s: the table is not mapped", action));
    return new Action.SourceChange(
        "ALTER SOURCE",
        s.op(),
        source,
        source.withoutTable(mapping.schema(), mapping.table()),
        mapping,
        null);
  }

  private Action drop(Statement.Source s, UserDef actor) {
    String action = "drop source " + s.name();
    Authorizer.checkChangesCatalog(actor.role(), action);
    if (s.ifExists() && catalog.source(s.name()).isEmpty()) {
      return new Action.Done("DROP SOURCE");
    }
    SourceDef source = existing(s.name(), action);
    return new Action.SourceChange("DROP SOURCE", s.op(), source, null, null, null);
  }

  private SourceDef existing(String name, String action) {
    return catalog
        .source(name)
        .orElseThrow(
            () ->
                TributaryException.of(
                    ErrorCode.SOURCE_NOT_FOUND, "Cannot %s: no source is named %s", action, name));
  }

  /** Whether the url has user info ({@code user:pass@host}) or a password parameter. */
  private static boolean hasSecret(String url) {
    String rest = url.substring(url.indexOf("//") + 2);
    int end = rest.indexOf('/');
    String authority = end < 0 ? rest : rest.substring(0, end);
    int q = authority.indexOf('?');
    if ((q < 0 ? authority : authority.substring(0, q)).contains("@")) {
      return true;
    }
    int query = url.indexOf('?');
    if (query < 0) {
      return false;
    }
    for (String param : url.substring(query + 1).split("&")) {
      String name = param.split("=", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
      if (name.equals("password") || name.equals("sslpassword")) {
        return true;
      }
    }
    return false;
  }
}
