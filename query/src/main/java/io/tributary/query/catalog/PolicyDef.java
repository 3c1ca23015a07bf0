package io.tributary.query.catalog;

import java.util.List;
import java.util.Objects;

/**
 * A row-level policy on a SHARED table ({@code CREATE POLICY}). Immutable; stored in the catalog
 * topic like a table, keyed by the table's qualified name and the policy's name. A policy belongs
 * to one table id: dropping the table drops its policies, and a table re-created under the same
 * name has none.
 *
 * @param command SELECT, INSERT, UPDATE, DELETE or ALL
 * @param roles the roles named by {@code TO}, lower case, or {@code ["public"]} for every role
 * @param using the USING predicate as written (without its parentheses), or null
 * @param check the WITH CHECK predicate as written, or null
 */
public record PolicyDef(
    String name,
    long tableId,
    String namespace,
    String table,
    String command,
    List<String> roles,
    String using,
    String check,
    long createdAtMillis) {

  public PolicyDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(command, "command");
    roles = List.copyOf(roles);
  }

  /** The catalog key of a policy: {@code ns.table/name}. */
  public static String key(String namespace, String table, String name) {
    return namespace + "." + table + "/" + name;
  }

  public String key() {
    return key(namespace, table, name);
  }

  public String qualifiedTable() {
    return namespace + "." + table;
  }
}
