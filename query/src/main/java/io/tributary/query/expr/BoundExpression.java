package io.tributary.query.expr;

import java.util.Objects;

/**
 * A {@link Bound} tree as a command or a subscription carries it, with the text of the expression
 * as the statement wrote it (parameters and non-deterministic functions already replaced by
 * literals; cut to the 200 characters that errors show). The text is shown in evaluation errors
 * ({@code Cannot evaluate <text>: division by zero}) and nowhere else: it is never parsed again.
 */
public record BoundExpression(Bound tree, String text) {
  public BoundExpression {
    Objects.requireNonNull(tree, "tree");
    Objects.requireNonNull(text, "text");
  }
}
