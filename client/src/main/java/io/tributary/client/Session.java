package io.tributary.client;

import java.time.Instant;

/**
 * A logged-in session, as returned by {@link TributaryClient#login}.
 *
 * <p>{@link #toString()} hides the token, so a session can be logged safely.
 *
 * @param user the user's name
 * @param role the user's role: {@code user}, {@code service}, {@code dba} or {@code system}
 * @param token the bearer token that later calls carry; reusable with {@link
 *     TributaryClient#withToken} until it expires
 * @param expiresAt when the server stops accepting the token
 */
public record Session(String user, String role, String token, Instant expiresAt) {

  @Override
  public String toString() {
    return "Session[user=" + user + ", role=" + role + ", token=***, expiresAt=" + expiresAt + "]";
  }
}
