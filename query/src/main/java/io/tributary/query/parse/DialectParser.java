package io.tributary.query.parse;

import java.io.Reader;
import java.util.Locale;
import java.util.Map;
import org.apache.calcite.sql.SqlBasicTypeNameSpec;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlUserDefinedTypeNameSpec;
import org.apache.calcite.sql.parser.SqlParserImplFactory;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.parser.impl.SqlParserImpl;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.validate.SqlConformance;
import org.apache.calcite.sql.validate.SqlDelegatingConformance;

/**
 * Calcite's standard parser with the dialect's two additions, so that every parse of SQL (the
 * dialect's own, through {@link SqlParsing}, and the queries Calcite's JDBC driver parses again,
 * whose {@code parserFactory} is {@link #FACTORY}) reads the same language:
 *
 * <ul>
 *   <li>{@code a % b} is the remainder, as {@code MOD(a, b)} (whatever the conformance);
 *   <li>the dialect's type names that Calcite does not know ({@code TEXT}, {@code STRING}, {@code
 *       BYTES}, {@code BOOL}, ...) may be written in {@code CAST(x AS type)}: they become the
 *       Calcite type a column of that type has.
 * </ul>
 *
 * <p>Public only for Calcite, which instantiates its parser by reflection.
 */
public final class DialectParser extends SqlParserImpl {
  /** For {@code SqlParser.Config.withParserFactory} and the JDBC {@code parserFactory} property. */
  public static final SqlParserImplFactory FACTORY = DialectParser::new;

  /** The dialect's type names Calcite does not know, and what a {@code CAST} to them means. */
  private static final Map<String, SqlTypeName> TYPE_SYNONYMS =
      Map.of(
          "TEXT", SqlTypeName.VARCHAR,
          "STRING", SqlTypeName.VARCHAR,
          "JSON", SqlTypeName.VARCHAR,
          "UUID", SqlTypeName.VARCHAR,
          "BYTES", SqlTypeName.VARBINARY,
          "BYTEA", SqlTypeName.VARBINARY,
          "BOOL", SqlTypeName.BOOLEAN,
          "INT4", SqlTypeName.INTEGER,
          "INT8", SqlTypeName.BIGINT,
          "FLOAT8", SqlTypeName.DOUBLE);

  private DialectParser(Reader reader) {
    super(reader);
  }

  @Override
  public void setConformance(SqlConformance conformance) {
    super.setConformance(
        new SqlDelegatingConformance(conformance) {
          @Override
          public boolean isPercentRemainderAllowed() {
            return true;
          }
        });
  }

  @Override
  public SqlNode parseSqlStmtEof() throws Exception {
    return withTypeSynonyms(super.parseSqlStmtEof());
  }

  @Override
  public SqlNode parseSqlExpressionEof() throws Exception {
    return withTypeSynonyms(super.parseSqlExpressionEof());
  }

  /** Replaces, in place, the dialect's type names in CAST by the Calcite types they stand for. */
  private static SqlNode withTypeSynonyms(SqlNode node) {
    node.accept(
        new SqlBasicVisitor<Void>() {
          @Override
          public Void visit(SqlCall call) {
            if (call.getKind() == SqlKind.CAST
                && call.operandCount() == 2
                && call.operand(1) instanceof SqlDataTypeSpec spec
                && spec.getTypeNameSpec() instanceof SqlUserDefinedTypeNameSpec named
                && named.getTypeName().isSimple()) {
              SqlTypeName type =
                  TYPE_SYNONYMS.get(named.getTypeName().getSimple().toUpperCase(Locale.ROOT));
              if (type != null) {
                SqlParserPos pos = spec.getParserPosition();
                call.setOperand(
                    1, new SqlDataTypeSpec(new SqlBasicTypeNameSpec(type, pos), null, pos));
              }
            }
            return super.visit(call);
          }
        });
    return node;
  }
}
