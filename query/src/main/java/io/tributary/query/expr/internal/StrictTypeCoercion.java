package io.tributary.query.expr.internal;

import java.util.List;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.SqlCallBinding;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeUtil;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.implicit.TypeCoercionImpl;

/**
 * Calcite's implicit type coercion, except that a string-valued expression other than a literal is
 * never converted to a number or a boolean to match the other operand: {@code content = 1} fails to
 * compile with TYPE_MISMATCH instead of casting every row's {@code content} (and failing on the
 * first row that is not a number, possibly long after a subscription was opened). String literals
 * still convert: {@code created_at > '2024-01-01'}, {@code n = '1'}.
 */
final class StrictTypeCoercion extends TypeCoercionImpl {
  StrictTypeCoercion(RelDataTypeFactory typeFactory, SqlValidator validator) {
    super(typeFactory, validator);
  }

  @Override
  public boolean binaryComparisonCoercion(SqlCallBinding binding) {
    return !mixesTextWithNumbers(binding) && super.binaryComparisonCoercion(binding);
  }

  @Override
  public boolean binaryArithmeticCoercion(SqlCallBinding binding) {
    return !mixesTextWithNumbers(binding) && super.binaryArithmeticCoercion(binding);
  }

  @Override
  public boolean builtinFunctionCoercion(
      SqlCallBinding binding,
      List<RelDataType> operandTypes,
      List<SqlTypeFamily> expectedFamilies) {
    for (int i = 0; i < Math.min(operandTypes.size(), expectedFamilies.size()); i++) {
      SqlTypeFamily family = expectedFamilies.get(i);
      if (SqlTypeUtil.isCharacter(operandTypes.get(i))
          && !(binding.operand(i) instanceof SqlLiteral)
          && (family == SqlTypeFamily.NUMERIC
              || family == SqlTypeFamily.EXACT_NUMERIC
              || family == SqlTypeFamily.APPROXIMATE_NUMERIC
              || family == SqlTypeFamily.INTEGER
              || family == SqlTypeFamily.DECIMAL
              || family == SqlTypeFamily.BOOLEAN)) {
        return false;
      }
    }
    return super.builtinFunctionCoercion(binding, operandTypes, expectedFamilies);
  }

  @Override
  public boolean inOperationCoercion(SqlCallBinding binding) {
    if (binding.getOperandCount() == 2 && binding.operand(1) instanceof SqlNodeList list) {
      SqlNode left = binding.operand(0);
      RelDataType leftType = binding.getOperandType(0);
      for (SqlNode item : list) {
        RelDataType itemType = validator.deriveType(binding.getScope(), item);
        if (refused(left, leftType, itemType) || refused(item, itemType, leftType)) {
          return false;
        }
      }
    }
    return super.inOperationCoercion(binding);
  }

  private static boolean mixesTextWithNumbers(SqlCallBinding binding) {
    if (binding.getOperandCount() != 2) {
      return false;
    }
    RelDataType a = binding.getOperandType(0);
    RelDataType b = binding.getOperandType(1);
    return refused(binding.operand(0), a, b) || refused(binding.operand(1), b, a);
  }

  /** A non-literal string that would be converted to the other side's number or boolean. */
  private static boolean refused(SqlNode node, RelDataType type, RelDataType other) {
    return SqlTypeUtil.isCharacter(type)
        && !(node instanceof SqlLiteral)
        && (SqlTypeUtil.isNumeric(other) || SqlTypeUtil.isBoolean(other));
  }
}
