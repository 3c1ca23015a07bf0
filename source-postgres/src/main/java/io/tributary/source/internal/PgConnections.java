package io.tributary.source.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.SourceDef;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.postgresql.PGProperty;

/** Connections to a source's database: plain ones and replication ones, in UTC. */
final class PgConnections {
  private PgConnections() {}

  /** {@code postgresql://host:port/db} (or a JDBC URL) as a JDBC URL. */
  static String jdbcUrl(SourceDef source) {
    String url = source.url();
    return url.startsWith("jdbc:") ? url : "jdbc:" + url;
  }

  private static Properties properties(SourceDef source) {
    Properties p = new Properties();
    PGProperty.USER.set(p, source.user());
    PGProperty.PASSWORD.set(p, source.password() == null ? "" : source.password());
    PGProperty.OPTIONS.set(p, "-c TimeZone=UTC -c extra_float_digits=3");
    PGProperty.CONNECT_TIMEOUT.set(p, 10);
    PGProperty.SOCKET_TIMEOUT.set(p, 60);
    PGProperty.TCP_KEEP_ALIVE.set(p, true);
    PGProperty.APPLICATION_NAME.set(p, "tributary-source-" + source.name());
    return p;
  }

  /** A plain connection; fails as {@link #failure} says. */
  static Connection open(SourceDef source, String action) {
    try {
      return DriverManager.getConnection(jdbcUrl(source), properties(source));
    } catch (SQLException e) {
      throw failure(e, action);
    }
  }

  /** A replication connection (logical replication of the database). */
  static Connection openReplication(SourceDef source) throws SQLException {
    Properties p = properties(source);
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
    PGProperty.REPLICATION.set(p, "database");
    PGProperty.PREFER_QUERY_MODE.set(p, "simple");
    // the stream reads with readPending(): no socket timeout may cut an idle stream
    PGProperty.SOCKET_TIMEOUT.set(p, 0);
    return DriverManager.getConnection(jdbcUrl(source), p);
  }

  /**
   * A coded error for a failure to connect: SOURCE_UNAVAILABLE for a host that does not answer, a
   * wrong password or an unknown database; SOURCE_INVALID for anything else the database refused.
   */
  static TributaryException failure(SQLException e, String action) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String reason = e.getMessage() == null ? e.toString() : e.getMessage();
    if (state.startsWith("08") || state.startsWith("28") || state.equals("3D000")) {
      return new TributaryException(
          ErrorCode.SOURCE_UNAVAILABLE,
          "Cannot " + action + ": cannot connect to PostgreSQL (" + reason + ")",
          e);
    }
    return new TributaryException(
        ErrorCode.SOURCE_INVALID, "Cannot " + action + ": PostgreSQL refused (" + reason + ")", e);
  }
}
