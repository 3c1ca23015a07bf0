package io.tributary.query.catalog;

/**
 * A column default. Functions are evaluated by the node that accepts the statement and written into
 * the command (DESIGN.md section 3, determinism); the materializer never evaluates them.
 *
 * @param kind what produces the value
 * @param literal for {@link Kind#LITERAL}, the value in its type's text form ({@link
 *     ColumnType#format}); otherwise null
 */
public record DefaultValue(Kind kind, String literal) {
  public enum Kind {
    LITERAL,
    SNOWFLAKE_ID,
    NOW,
    UUID_V7,
    CURRENT_USER
  }

  public static DefaultValue of(Kind kind) {
    return new DefaultValue(kind, null);
  }

  public String sql() {
    return kind == Kind.LITERAL ? "'" + literal.replace("'", "''") + "'" : kind.name() + "()";
  }
}
