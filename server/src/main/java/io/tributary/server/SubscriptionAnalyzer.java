package io.tributary.server;

import io.tributary.query.Action;
import java.util.List;

/**
 * Turns a {@code SUBSCRIBE TO ...} statement or a live SELECT into an authorized subscription.
 * Thread-safe.
 */
public interface SubscriptionAnalyzer {
  /**
   * @throws io.tributary.query.TributaryException with the statement's error (syntax, unknown
   *     table, permission, not a SUBSCRIBE statement, a SELECT that cannot be kept live, ...)
   */
  Action.Subscribe analyzeSubscription(Principal principal, String sql, List<Object> params);
}
