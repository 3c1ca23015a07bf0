package io.tributary.query.catalog;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.Locale;

/**
 * What role {@code user} may do on a SHARED table ({@code WITH (ACCESS_LEVEL = '...')}). Roles
 * service, dba and system may always read and write SHARED tables.
 */
public enum SharedAccess {
  /** Users read and write. */
  PUBLIC,
  /** Users read; the default. */
  READ,
  /** Users neither read nor write. */
  PRIVATE;

  public static SharedAccess parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot use ACCESS_LEVEL '%s': expected 'public', 'read' or 'private'",
          text);
    }
  }

  public String sqlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
