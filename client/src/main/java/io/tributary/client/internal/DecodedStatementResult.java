package io.tributary.client.internal;

import io.tributary.client.ResultSet;
import io.tributary.client.StatementResult;
import io.tributary.client.TributaryException;
import java.util.Optional;

/** A statement's outcome decoded from the protocol. */
final class DecodedStatementResult implements StatementResult {

  private final String statement;
  private final Kind kind;
  private final ResultSet rows;
  private final long rowsAffected;
  private final String done;
  private final TributaryException error;

  private DecodedStatementResult(
      String statement,
      Kind kind,
      ResultSet rows,
      long rowsAffected,
      String done,
      TributaryException error) {
    this.statement = statement;
    this.kind = kind;
    this.rows = rows;
    this.rowsAffected = rowsAffected;
    this.done = done;
    this.error = error;
  }

  static DecodedStatementResult decode(io.tributary.api.v1.StatementResult proto) {
    String statement = proto.getStatement();
    return switch (proto.getOutcomeCase()) {
      case ROWS ->
          new DecodedStatementResult(
              statement, Kind.ROWS, DecodedResultSet.decode(proto.getRows()), 0, null, null);
      case ROWS_AFFECTED ->
          new DecodedStatementResult(
              statement, Kind.ROWS_AFFECTED, null, proto.getRowsAffected(), null, null);
      case DONE -> new DecodedStatementResult(statement, Kind.DONE, null, 0, proto.getDone(), null);
      case ERROR ->
          new DecodedStatementResult(
              statement, Kind.ERROR, null, 0, null, Errors.fromStatementError(proto.getError()));
      // An outcome this client does not know (a newer server) still means the statement ran.
      case OUTCOME_NOT_SET -> new DecodedStatementResult(statement, Kind.DONE, null, 0, "", null);
    };
  }

  @Override
  public String statement() {
    return statement;
  }

  @Override
  public Kind kind() {
    return kind;
  }

  @Override
  public ResultSet rows() {
    requireKind(Kind.ROWS, "read rows");
    return rows;
  }

  @Override
  public long rowsAffected() {
    requireKind(Kind.ROWS_AFFECTED, "read rows affected");
    return rowsAffected;
  }

  @Override
  public String done() {
    requireKind(Kind.DONE, "read confirmation");
    return done;
  }

  @Override
  public Optional<TributaryException> error() {
    return Optional.ofNullable(error);
  }

  private void requireKind(Kind expected, String action) {
    if (kind == expected) {
      return;
    }
    if (kind == Kind.ERROR) {
      throw error;
    }
    throw new IllegalStateException(
        "Cannot " + action + ": the statement's result is " + kind + ", not " + expected);
  }

  @Override
  public String toString() {
    String outcome =
        switch (kind) {
          case ROWS -> rows.size() + " rows";
          case ROWS_AFFECTED -> rowsAffected + " rows affected";
          case DONE -> done;
          case ERROR -> error.code() + ": " + error.getMessage();
        };
    return "StatementResult[" + kind + ": " + outcome + "]";
  }
}
