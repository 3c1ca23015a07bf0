package io.tributary.server;

import io.tributary.query.Action;
import java.util.List;

/** Turns a {@code SUBSCRIBE TO ...} statement into an authorized subscription. Thread-safe. */
public interface SubscriptionAnalyzer {
  /**
   * @throws io.tributary.query.TributaryException with the statement's error (syntax, unknown
   *     table, permission, not a SUBSCRIBE statement, ...)
   */
  Action.Subscribe analyzeSubscription(Principal principal, String sql, List<Object> params);
}
