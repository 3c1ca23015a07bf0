package io.tributary.client;

import java.util.List;

/**
 * The rows a statement returned, fully received. A result set is immutable and thread-safe, and
 * holds no connection: it stays readable after its client is closed.
 */
public interface ResultSet extends Iterable<Row> {

  /** The columns, in the order of each row's values. */
  List<Column> columns();

  /** The rows, in the order the server returned them; an unmodifiable list. */
  List<Row> rows();

  /** The number of rows. */
  int size();
}
