package io.tributary.query.expr.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.TableDef;
import java.util.List;
import java.util.Properties;
import org.apache.calcite.config.CalciteConnectionConfig;
import org.apache.calcite.config.CalciteConnectionConfigImpl;
import org.apache.calcite.config.CalciteConnectionProperty;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.hep.HepPlanner;
import org.apache.calcite.plan.hep.HepProgram;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.util.SqlShuttle;
import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorUtil;
import org.apache.calcite.sql2rel.SqlToRelConverter;
import org.apache.calcite.sql2rel.StandardConvertletTable;

/**
 * Binds an expression to one table with Calcite: validates {@code SELECT <expr> FROM ns.t} or
 * {@code SELECT * FROM ns.t WHERE <condition>} against a schema holding only that table (its
 * columns plus {@code _seq}) and converts it to a {@link RexNode} whose input references index the
 * row (columns in order, then {@code _seq}).
 */
public final class ExpressionBinder {
  private static final CalciteConnectionConfig CONNECTION_CONFIG;

  static {
    Properties p = new Properties();
    p.setProperty(CalciteConnectionProperty.CASE_SENSITIVE.camelName(), "true");
    p.setProperty(
        CalciteConnectionProperty.CONFORMANCE.camelName(), SqlConformanceEnum.DEFAULT.name());
    p.setProperty(CalciteConnectionProperty.TIME_ZONE.camelName(), "UTC");
    CONNECTION_CONFIG = new CalciteConnectionConfigImpl(p);
  }

  private static final SqlValidator.Config VALIDATOR_CONFIG =
      SqlValidator.Config.DEFAULT
          .withConformance(SqlConformanceEnum.DEFAULT)
          .withIdentifierExpansion(true)
          .withTypeCoercionFactory(StrictTypeCoercion::new);

  private static final SqlToRelConverter.Config CONVERTER_CONFIG =
      SqlToRelConverter.config()
          .withExpand(false)
          .withInSubQueryThreshold(Integer.MAX_VALUE)
          .withTrimUnusedFields(false);

  private static final RelOptTable.ViewExpander NO_VIEWS =
      (rowType, queryString, schemaPath, viewPath) -> {
        throw new UnsupportedOperationException("views are not supported");
      };

  /** Copies every call and identifier, so validation never rewrites a caller's tree. */
  private static final SqlShuttle DEEP_COPY =
      new SqlShuttle() {
        @Override
        public SqlNode visit(SqlIdentifier id) {
          return id.clone(id.getParserPosition());
        }

        @Override
        public SqlNode visit(SqlCall call) {
          CallCopyingArgHandler handler = new CallCopyingArgHandler(call, true);
          call.getOperator().acceptCall(this, call, false, handler);
          return handler.result();
        }

        @Override
        public SqlNode visit(SqlNodeList list) {
          SqlNodeList copy = new SqlNodeList(list.getParserPosition());
          for (SqlNode n : list) {
            copy.add(n == null ? null : n.accept(this));
          }
          return copy;
        }
      };

  /** A bound expression and the builder that made it (needed to expand search arguments). */
  public record Bound(RexNode node, RexBuilder rexBuilder) {}

  private ExpressionBinder() {}

  /**
   * Binds a boolean condition.
   *
   * @param action what is compiled, for messages ({@code Cannot compile <action>: ...})
   */
  public static Bound bindCondition(TableDef table, SqlNode condition, String action) {
    SqlSelect select = template(table);
    select.setWhere(condition.accept(DEEP_COPY));
    RelNode rel = toRel(table, select, action).rel;
    while (!(rel instanceof Filter) && !(rel instanceof TableScan)) {
      if (rel.getInputs().size() != 1) {
        throw unsupported(action, "this condition");
      }
      rel = rel.getInput(0);
    }
    RexBuilder rexBuilder = rel.getCluster().getRexBuilder();
    if (rel instanceof TableScan) {
      return new Bound(rexBuilder.makeLiteral(true), rexBuilder);
    }
    if (!(rel.getInput(0) instanceof TableScan)) {
      throw unsupported(action, "this condition");
    }
    return new Bound(((Filter) rel).getCondition(), rexBuilder);
  }

  /** Binds a value expression. */
  public static Bound bindValue(TableDef table, SqlNode value, String action) {
    SqlSelect select = template(table);
    select.setSelectList(SqlNodeList.of(value.accept(DEEP_COPY)));
    RelRoot root = toRel(table, select, action);
    RelNode rel = root.rel;
    if (!(rel instanceof Project project)
        || !(project.getInput() instanceof TableScan)
        || project.getProjects().size() != 1) {
      throw unsupported(action, "an aggregate or window function");
    }
    return new Bound(project.getProjects().get(0), rel.getCluster().getRexBuilder());
  }

  private static TributaryException unsupported(String action, String what) {
    return new TributaryException(
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot compile " + action + ": " + what + " is not supported");
  }

  private static SqlSelect template(TableDef table) {
    SqlIdentifier from =
        new SqlIdentifier(List.of(table.namespace(), table.name()), SqlParserPos.ZERO);
    return new SqlSelect(
        SqlParserPos.ZERO,
        null,
        SqlNodeList.of(SqlIdentifier.star(SqlParserPos.ZERO)),
        from,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  private static RelRoot toRel(TableDef table, SqlSelect select, String action) {
    CalciteSchema root = CalciteSchema.createRootSchema(false, false);
    SchemaPlus namespace = root.plus().add(table.namespace(), new AbstractSchema());
    namespace.add(table.name(), new DefTable(table));
    CalciteCatalogReader reader =
        new CalciteCatalogReader(root, List.of(), CalciteTypes.TYPE_FACTORY, CONNECTION_CONFIG);
    SqlValidator validator =
        SqlValidatorUtil.newValidator(
            SqlStdOperatorTable.instance(), reader, CalciteTypes.TYPE_FACTORY, VALIDATOR_CONFIG);
    try {
      SqlNode validated = validator.validate(select);
      if (validated instanceof SqlSelect s && validator.isAggregate(s)) {
        throw unsupported(action, "an aggregate function");
      }
      RelOptCluster cluster =
          RelOptCluster.create(
              new HepPlanner(HepProgram.builder().build()),
              new RexBuilder(CalciteTypes.TYPE_FACTORY));
      SqlToRelConverter converter =
          new SqlToRelConverter(
              NO_VIEWS,
              validator,
              reader,
              cluster,
              StandardConvertletTable.INSTANCE,
              CONVERTER_CONFIG);
      return converter.convertQuery(validated, false, true);
    } catch (TributaryException e) {
      throw e;
    } catch (RuntimeException | AssertionError e) {
      throw SqlErrors.translate(e, "compile " + action, null, table.qualifiedName());
    }
  }

  /** A table of the binding schema: only its row type matters. */
  private static final class DefTable extends AbstractTable {
    private final TableDef table;

    DefTable(TableDef table) {
      this.table = table;
    }

    @Override
    public RelDataType getRowType(RelDataTypeFactory typeFactory) {
      return CalciteTypes.rowType(table, typeFactory);
    }
  }
}
