package io.tributary.cli;

import io.tributary.client.TransportException;
import io.tributary.client.TributaryException;

/**
 * A call that failed as a whole, as opposed to one statement failing inside a successful Execute.
 * {@link #fatal()} failures (the server cannot be reached, or does not accept our credentials) end
 * a non-interactive session with exit status 2.
 */
final class CallFailure extends RuntimeException {
  private final transient Problem problem;
  private final boolean fatal;

  CallFailure(Problem problem, boolean fatal) {
    super(problem.code() + ": " + problem.message());
    this.problem = problem;
    this.fatal = fatal;
  }

  /** A fatal failure found on this side (bad URL, missing credentials): it has no error code. */
  static CallFailure local(String message) {
    return new CallFailure(Problem.local(message), true);
  }

  /**
   * A failed call to the server at {@code url}: the server's error, or, when no server answered,
   * {@code Cannot connect to <url>: <reason>}.
   */
  static CallFailure of(TributaryException e, String url) {
    if (e instanceof TransportException transport) {
      return new CallFailure(
          new Problem(e.code(), "Cannot connect to " + url + ": " + transport.reason(), 0, 0),
          true);
    }
    boolean fatal =
        switch (e.errorCode()) {
          case UNAVAILABLE, UNAUTHENTICATED, AUTHENTICATION_FAILED -> true;
          default -> false;
        };
    return new CallFailure(Problem.of(e), fatal);
  }

  Problem problem() {
    return problem;
  }

  boolean fatal() {
    return fatal;
  }
}
