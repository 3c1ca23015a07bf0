package io.tributary.query.catalog;

import java.util.List;

/**
 * One source of a topic: the changes of one table that the materializer routes into it.
 *
 * @param tableId the source table's id (a dropped and re-created table is another table)
 * @param table the source table's qualified name, for display
 * @param operations the operations routed: {@code INSERT}, {@code UPDATE}, {@code DELETE}
 * @param where the filter as deterministic SQL over the table's columns (parameters and
 *     non-deterministic functions inlined), or null for every change; a change is routed when its
 *     new row (its old row, for a delete) matches
 * @param payload what each record carries of the row
 */
public record TopicSource(
    long tableId, String table, List<String> operations, String where, TopicPayload payload) {

  public TopicSource {
    operations = List.copyOf(operations);
  }

  /** Whether changes of this kind ({@code INSERT}, {@code UPDATE}, {@code DELETE}) are routed. */
  public boolean routes(String operation) {
    return operations.contains(operation);
  }

  /** The source as SQL, as {@code SHOW TOPICS} and {@code system.topics} show it. */
  public String sql() {
    return table
        + " ON "
        + String.join(", ", operations)
        + (where == null ? "" : " WHERE " + where)
        + " WITH (payload = '"
        + payload.sqlName()
        + "')";
  }
}
