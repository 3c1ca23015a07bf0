package io.tributary.server;

import java.util.List;

/**
 * Runs SQL for an authenticated principal. Thread-safe. Statements run in order; the first failure
 * is the last outcome returned (later statements do not run). Never throws for a statement's own
 * failure: that is a {@link StatementOutcome.Failed}.
 */
public interface StatementRunner {
  /**
   * @param params positional parameters: {@code $1} is {@code params.get(0)}; values are Integer,
   *     Long, Double, BigDecimal, String, Boolean, byte[], java.time.Instant, java.time.LocalDate,
   *     java.util.UUID or null
   */
  List<StatementOutcome> execute(Principal principal, String sql, List<Object> params);

  /**
   * Checks a password against the catalog.
   *
   * @throws io.tributary.query.TributaryException AUTHENTICATION_FAILED, with the same message for
   *     an unknown user and a wrong password
   */
  Principal authenticate(String user, String password);

  /**
   * Checks that a token's principal still stands: its account exists under that id and has not
   * changed its password since the token was issued. Runs on every authenticated call, so it costs
   * a lookup, not a password check.
   *
   * @return the principal to run the call as
   * @throws io.tributary.query.TributaryException UNAUTHENTICATED when the account was dropped
   *     (even if another account now has its name) or its password changed after the token was
   *     issued
   */
  Principal revalidate(Principal principal);
}
