package io.tributary.query.expr;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * A bound expression over one table's rows: the form in which commands carry their WHERE clauses
 * and SET values, and from which subscriptions compile their filters. It is made once, when a
 * statement is analyzed ({@link Expressions#bindPredicate}, {@link Expressions#bindValue}): names
 * are resolved to column indexes, every result type is resolved, parameters and non-deterministic
 * functions are already literals. A bound tree is therefore a plain value: immutable, deterministic
 * and serializable (the command codec writes it), and translating it (to an evaluator, later to an
 * Iceberg expression) needs nothing but the tree and the table.
 *
 * <p>A node is a {@link Column} reference, a typed {@link Literal}, or a {@link Call} of an {@link
 * Operator} from a closed set. Column {@code i} is the table's column {@code i} in declaration
 * order; index {@code columns().size()} is {@code _seq}.
 */
public sealed interface Bound {
  /** The node's result type, resolved at analysis. */
  Type type();

  /** A reference to the table's column {@code index} (or {@code _seq}, after the columns). */
  record Column(int index, Type type) implements Bound {
    public Column {
      Objects.requireNonNull(type, "type");
    }
  }

  /**
   * A typed constant. The value's class follows the type: {@link Boolean} (BOOLEAN), {@link
   * BigDecimal} (exact numbers, and intervals: milliseconds or months), {@link BigDecimal} or
   * {@link Double} (approximate numbers), {@link String} (CHAR and VARCHAR; DATE, TIME and
   * TIMESTAMP as {@code 2024-05-01}, {@code 10:30:00}, {@code 2024-05-01 10:30:00.250}), {@code
   * byte[]} (BINARY, VARBINARY), an {@link Enum} constant (SYMBOL: a flag of TRIM, a unit of
   * EXTRACT or FLOOR), {@link Ranges} (the second operand of {@link Operator#SEARCH}); null for SQL
   * NULL. (A {@code byte[]} value makes {@link #equals} compare by identity: compare encoded trees
   * instead.)
   */
  record Literal(Object value, Type type) implements Bound {
    public Literal {
      Objects.requireNonNull(type, "type");
    }
  }

  /** A call of an operator or function. */
  record Call(Operator operator, List<Bound> operands, Type type) implements Bound {
    public Call {
      Objects.requireNonNull(operator, "operator");
      Objects.requireNonNull(type, "type");
      operands = List.copyOf(operands);
    }
  }

  /**
   * A type: its name, precision and scale ({@link #UNSPECIFIED} when the type takes none),
   * nullability, and for character types the character set and collation.
   */
  record Type(
      TypeName name, int precision, int scale, boolean nullable, String charset, String collation) {
    /** Precision or scale of a type that has none. */
    public static final int UNSPECIFIED = Integer.MIN_VALUE;

    public Type {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * The type names a bound tree may hold. The code of each name is its position here: names are
   * only ever appended, because encoded trees refer to them by code.
   */
  enum TypeName {
    BOOLEAN,
    TINYINT,
    SMALLINT,
    INTEGER,
    BIGINT,
    DECIMAL,
    FLOAT,
    REAL,
    DOUBLE,
    CHAR,
    VARCHAR,
    BINARY,
    VARBINARY,
    DATE,
    TIME,
    TIMESTAMP,
    INTERVAL_YEAR,
    INTERVAL_YEAR_MONTH,
    INTERVAL_MONTH,
    INTERVAL_DAY,
    INTERVAL_DAY_HOUR,
    INTERVAL_DAY_MINUTE,
    INTERVAL_DAY_SECOND,
    INTERVAL_HOUR,
    INTERVAL_HOUR_MINUTE,
    INTERVAL_HOUR_SECOND,
    INTERVAL_MINUTE,
    INTERVAL_MINUTE_SECOND,
    INTERVAL_SECOND,
    SYMBOL,
    NULL
  }

  /**
   * The operators and functions a bound tree may call: the dialect's expression language (see
   * {@link Expressions}). Like {@link TypeName}, codes are positions and names are only appended.
   */
  enum Operator {
    AND,
    OR,
    NOT,
    EQUALS,
    NOT_EQUALS,
    LESS_THAN,
    LESS_THAN_OR_EQUAL,
    GREATER_THAN,
    GREATER_THAN_OR_EQUAL,
    IS_DISTINCT_FROM,
    IS_NOT_DISTINCT_FROM,
    IS_NULL,
    IS_NOT_NULL,
    IS_TRUE,
    IS_NOT_TRUE,
    IS_FALSE,
    IS_NOT_FALSE,
    IS_UNKNOWN,
    IS_NOT_UNKNOWN,
    /**
     * {@code x IN (...)}, {@code x BETWEEN a AND b} and the like: operand 1 holds {@link Ranges}.
     */
    SEARCH,
    LIKE,
    NOT_LIKE,
    PLUS,
    MINUS,
    MULTIPLY,
    DIVIDE,
    MOD,
    PERCENT_REMAINDER,
    UNARY_MINUS,
    UNARY_PLUS,
    DATETIME_PLUS,
    MINUS_DATE,
    CAST,
    CASE,
    COALESCE,
    NULLIF,
    CONCAT,
    UPPER,
    LOWER,
    CHAR_LENGTH,
    CHARACTER_LENGTH,
    SUBSTRING,
    REPLACE,
    TRIM,
    POSITION,
    ABS,
    CEIL,
    FLOOR,
    ROUND,
    EXTRACT
  }

  /**
   * The value set of a {@link Operator#SEARCH}: the operand is in one of the ranges; when it is
   * NULL the search is {@code nullAs} (TRUE, FALSE or, for UNKNOWN, SQL NULL).
   */
  record Ranges(List<Range> ranges, NullAs nullAs) {
    public Ranges {
      ranges = List.copyOf(ranges);
      Objects.requireNonNull(nullAs, "nullAs");
    }
  }

  /** What a search yields for a NULL operand. */
  enum NullAs {
    TRUE,
    FALSE,
    UNKNOWN
  }

  /**
   * A range of values (classes as for {@link Literal}); a null bound with {@link BoundKind#NONE}
   * means unbounded on that side. A point is a range whose bounds are both closed and equal.
   */
  record Range(BoundKind lowerKind, Object lower, BoundKind upperKind, Object upper) {
    public Range {
      Objects.requireNonNull(lowerKind, "lowerKind");
      Objects.requireNonNull(upperKind, "upperKind");
    }
  }

  /** How a range ends on one side. */
  enum BoundKind {
    NONE,
    CLOSED,
    OPEN
  }
}
