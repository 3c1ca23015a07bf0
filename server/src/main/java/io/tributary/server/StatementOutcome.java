package io.tributary.server;

import io.tributary.query.TributaryException;
import io.tributary.query.exec.QueryResult;

/** What one statement of a request produced. */
public sealed interface StatementOutcome {
  /** The statement's text as it was split from the request. */
  String statement();

  record Rows(String statement, QueryResult result) implements StatementOutcome {}

  record Affected(String statement, long rows) implements StatementOutcome {}

  /** A statement without rows, e.g. DDL; {@code tag} is a short confirmation ("CREATE TABLE"). */
  record Done(String statement, String tag) implements StatementOutcome {}

  record Failed(String statement, TributaryException error) implements StatementOutcome {}
}
