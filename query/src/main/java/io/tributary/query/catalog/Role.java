package io.tributary.query.catalog;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.Locale;

/**
 * What a user may do. {@code USER}: own rows of USER tables and SHARED tables as their access level
 * allows. {@code SERVICE}: also writes SHARED tables and acts for users with EXECUTE AS USER.
 * {@code DBA}: also DDL and user management. {@code SYSTEM}: everything, including managing system
 * users.
 */
public enum Role {
  USER,
  SERVICE,
  DBA,
  SYSTEM;

  public static Role parse(String text) {
    try {
      return Role.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot parse role '%s': expected user, service, dba or system",
          text);
    }
  }

  /** DDL and user management. */
  public boolean administers() {
    return this == DBA || this == SYSTEM;
  }

  /**
   * Whether this role may read {@code table} at all (rows of USER and STREAM tables are further
   * limited to the reader's own): every role but {@code user} reads every table; {@code user} reads
   * all but SHARED tables with {@code ACCESS_LEVEL = 'private'}. The catalog listings ({@code SHOW
   * TABLES}, {@code system.tables}) show a role only the tables it may read.
   */
  public boolean mayRead(TableDef table) {
    return this != USER
        || table.kind() != TableKind.SHARED
        || table.sharedAccess() != SharedAccess.PRIVATE;
  }

  /** EXECUTE AS USER, writes to read-only SHARED tables. */
  public boolean actsForOthers() {
    return this != USER;
  }

  public String sqlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
