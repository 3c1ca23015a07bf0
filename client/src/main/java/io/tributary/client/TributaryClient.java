package io.tributary.client;

import io.tributary.client.internal.GrpcTributaryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A connection to a Tributary server that runs SQL statements and keeps queries live.
 *
 * <p><b>Threading.</b> A client is thread-safe: any number of threads may call it at once, and
 * calls do not block each other beyond the server's own work. Each call blocks its thread until the
 * server answers or the call timeout ({@link #DEFAULT_CALL_TIMEOUT} unless given to {@link
 * #connect(String, Duration)}) passes. The events of {@link #subscribe} and {@link #live} are
 * delivered on one listener thread per client, started by the first subscription.
 *
 * <p><b>Ownership.</b> A client owns its gRPC channel. {@link #close()} shuts the channel down;
 * later calls throw {@link IllegalStateException}. Open one client per server and share it: a
 * channel multiplexes all calls over one HTTP/2 connection.
 *
 * <p><b>Authentication.</b> Every call except {@link #login} needs a token: either {@link #login}
 * or {@link #withToken} sets it for all later calls of this client. A call made without a token, or
 * with an expired one, fails with code {@code UNAUTHENTICATED}.
 *
 * <p><b>Failures.</b> Call-level failures (the server is unreachable, the token is rejected, the
 * call timed out) throw {@link TributaryException} with the server's error code, or {@code
 * UNAVAILABLE}, {@code UNAUTHENTICATED}, {@code DEADLINE_EXCEEDED} or {@code INTERNAL} when the
 * server sent none. A statement that fails is reported in its {@link StatementResult} by {@link
 * #execute}, and thrown by {@link #query} and {@link #update}.
 *
 * <p><b>Values.</b> Parameters are positional: {@code $1} is the first element of {@code params}.
 * Values map between SQL and Java as follows (reading gives the left Java type; binding also
 * accepts the extra types listed):
 *
 * <table>
 *   <caption>SQL types and their Java types</caption>
 *   <tr><th>SQL</th><th>read as</th><th>also bindable</th></tr>
 *   <tr><td>NULL</td><td>{@code null}</td><td></td></tr>
 *   <tr><td>BOOLEAN</td><td>{@link Boolean}</td><td></td></tr>
 *   <tr><td>INT</td><td>{@link Integer}</td><td>{@link Short}, {@link Byte}</td></tr>
 *   <tr><td>BIGINT</td><td>{@link Long}</td><td></td></tr>
 *   <tr><td>DOUBLE</td><td>{@link Double}</td><td>{@link Float}</td></tr>
 *   <tr><td>DECIMAL(p,s)</td><td>{@link java.math.BigDecimal}</td><td></td></tr>
 *   <tr><td>TEXT</td><td>{@link String}</td><td></td></tr>
 *   <tr><td>JSON</td><td>{@link String} (the JSON text)</td><td>(bind the text as a String)</td></tr>
 *   <tr><td>BYTES</td><td>{@code byte[]}</td><td></td></tr>
 *   <tr><td>TIMESTAMP</td><td>{@link java.time.Instant} (UTC, millisecond precision; finer
 *       precision is truncated when binding)</td><td></td></tr>
 *   <tr><td>DATE</td><td>{@link java.time.LocalDate}</td><td></td></tr>
 *   <tr><td>UUID</td><td>{@link java.util.UUID}</td><td></td></tr>
 * </table>
 *
 * <p>Binding any other type throws {@link IllegalArgumentException} ("Cannot bind parameter $n:
 * unsupported type X") before anything is sent.
 */
public interface TributaryClient extends AutoCloseable {

  /** The timeout of one call when none is given to {@link #connect(String, Duration)}. */
  Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Creates a client for the server at {@code url} with the {@link #DEFAULT_CALL_TIMEOUT}.
   *
   * @param url {@code http://host:port} for plaintext HTTP/2 (h2c) or {@code https://host:port} for
   *     TLS; without a port, 80 and 443
   * @throws IllegalArgumentException if the URL is not of that form
   * @see #connect(String, Duration)
   */
  static TributaryClient connect(String url) {
    return connect(url, DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Creates a client for the server at {@code url} whose calls each time out after {@code
   * callTimeout}.
   *
   * <p>The connection is made lazily: this method does no network I/O, and if the server cannot be
   * reached the first call fails with code {@code UNAVAILABLE}. The connection is re-established
   * transparently after a failure.
   *
   * @param url {@code http://host:port} for plaintext HTTP/2 (h2c) or {@code https://host:port} for
   *     TLS; without a port, 80 and 443
   * @param callTimeout how long one call may take before it fails with code {@code
   *     DEADLINE_EXCEEDED}; must be positive
   * @throws IllegalArgumentException if the URL is not of that form or the timeout is not positive
   */
  static TributaryClient connect(String url, Duration callTimeout) {
    return GrpcTributaryClient.connect(url, callTimeout);
  }

  /**
   * Like {@link #connect(String, Duration)} for an {@code https://} URL, trusting the certificates
   * in {@code trustedCertificates} instead of the JVM's default trust store: for a server whose
   * certificate is self-signed or issued by a private CA ({@code tributary start --tls-cert}). The
   * server's certificate must chain to one of them and name the URL's host (a DNS or IP subject
   * alternative name).
   *
   * @param trustedCertificates a PEM file of one or more certificates ({@code BEGIN CERTIFICATE}),
   *     read once, now
   * @throws IllegalArgumentException if the URL is not an {@code https://host:port} URL, the
   *     timeout is not positive, or the file cannot be read or holds no certificate
   */
  static TributaryClient connect(String url, Duration callTimeout, Path trustedCertificates) {
    return GrpcTributaryClient.connect(url, callTimeout, trustedCertificates);
  }

  /**
   * Logs in with a password. On success, every later call of this client carries the returned token
   * (replacing any token set before); the login call itself carries none.
   *
   * @return the session: the user's name and role, the token and when it expires
   * @throws TributaryException with code {@code AUTHENTICATION_FAILED} if the user does not exist
   *     or the password is wrong, or a call-level code such as {@code UNAVAILABLE}
   * @throws IllegalStateException if the client is closed
   */
  Session login(String user, String password);

  /**
   * Makes every later call of this client carry {@code token} instead of logging in, for example a
   * token from an earlier {@link Session#token()}. The token is not checked until the next call.
   *
   * @return this client (not a copy), for chaining: {@code connect(url).withToken(t)}
   */
  TributaryClient withToken(String token);

  /**
   * Runs one or more statements separated by {@code ';'}, in order, and returns one result per
   * statement that ran.
   *
   * <p>This method does not throw for a failed statement: the server stops at the first failing
   * statement, whose result is then the last of the list and has {@link StatementResult#error()}.
   * Statements before it have taken effect; statements after it did not run.
   *
   * @param params the positional parameters, {@code $1} first; pass {@code (Object) null} to bind a
   *     single SQL NULL
   * @throws TributaryException for call-level failures (not authenticated, server unavailable,
   *     timeout)
   * @throws IllegalArgumentException if a parameter has an unsupported type
   * @throws IllegalStateException if the client is closed
   */
  List<StatementResult> execute(String sql, Object... params);

  /**
   * Runs exactly one statement that returns rows, such as a SELECT, and returns its rows.
   *
   * @throws TributaryException with the statement's own code (such as {@code SYNTAX_ERROR}) if it
   *     failed; with code {@link TributaryException#NOT_A_QUERY} if {@code sql} held other than one
   *     statement or its statement returned no rows (it has run nonetheless); or as {@link
   *     #execute} for call-level failures
   * @throws IllegalArgumentException if a parameter has an unsupported type
   * @throws IllegalStateException if the client is closed
   */
  ResultSet query(String sql, Object... params);

  /**
   * Runs one or more statements separated by {@code ';'} and returns the number of rows the last
   * one changed: its rows affected for INSERT, UPDATE and DELETE, and 0 for DDL, user management or
   * a query.
   *
   * @throws TributaryException with the code of the first statement that failed (the statements
   *     before it have taken effect, the ones after it did not run), or as {@link #execute} for
   *     call-level failures
   * @throws IllegalArgumentException if a parameter has an unsupported type
   * @throws IllegalStateException if the client is closed
   */
  long update(String sql, Object... params);

  /**
   * Subscribes to the raw changes of a table: {@code SUBSCRIBE TO ns.t [WHERE ...] [OPTIONS
   * (last_rows = n, from_seq = s, batch_size = b)]}. The listener receives the snapshot, then every
   * matching insert, update and delete, as described in {@link SubscriptionListener}.
   *
   * <p>This call blocks until the server accepted the subscription (or the call timeout passed).
   * The client's subscriptions share one event stream, opened by the first of them and closed with
   * the client.
   *
   * <p><b>Resume.</b> When the connection is lost, or the server drops this client for falling
   * behind ({@code SUBSCRIBER_TOO_SLOW}) or because ALTER TABLE changed the table's columns ({@code
   * SCHEMA_CHANGED}: the rows that follow carry the new columns), the subscription resumes by
   * itself: the client reconnects with exponential backoff and subscribes again with {@code OPTIONS
   * (from_seq = }{@link Subscription#lastSeq()}{@code )} (merged into the statement's own OPTIONS,
   * whose {@code last_rows} it drops). Events at or below the last {@code _seq} received are
   * dropped, so the listener sees no gap and no duplicate. Failures that retrying cannot fix (for
   * example {@code UNAUTHENTICATED} after the token expired, or {@code PERMISSION_DENIED}) end the
   * subscription with {@link SubscriptionListener#onError}.
   *
   * @param sql one {@code SUBSCRIBE TO} statement
   * @param listener receives the events, on this client's listener thread
   * @param params the positional parameters, {@code $1} first
   * @return the subscription; close it to end it
   * @throws TributaryException if the server rejected the statement (with its code, such as {@code
   *     SYNTAX_ERROR} or {@code TABLE_NOT_FOUND}), or a call-level code such as {@code UNAVAILABLE}
   * @throws IllegalArgumentException if a parameter has an unsupported type
   * @throws IllegalStateException if the client is closed
   */
  Subscription subscribe(String sql, SubscriptionListener listener, Object... params);

  /**
   * Keeps the result of a statement live: the client holds the matching rows, reconciled by primary
   * key from the snapshot and every later change, and hands the whole current list to {@code
   * onRows} once the snapshot is complete and again after every change (once per change, after all
   * of its events). The list is in the query's {@code ORDER BY} order, then by primary key, as
   * described in {@link LiveQuery}.
   *
   * <p>It resumes as {@link #subscribe} does. In addition, if the server no longer holds the
   * position to resume from ({@code RESUME_POSITION_LOST}), a live query takes a new snapshot
   * instead of failing, and calls {@code onRows} once that snapshot is complete. A terminal failure
   * is logged and kept in {@link LiveQuery#failure()}.
   *
   * @param sql one {@code SUBSCRIBE TO ns.t [WHERE ...] [OPTIONS (...)]} statement, or a live
   *     {@code SELECT cols FROM ns.t [WHERE ...] [ORDER BY ... LIMIT n]}: with LIMIT the server
   *     keeps the top-n window, and a lost connection takes a new snapshot instead of resuming
   * @param onRows receives an immutable list of the current rows, on this client's listener thread
   *     (see {@link SubscriptionListener} for what that implies)
   * @param params the positional parameters, {@code $1} first
   * @throws TributaryException as {@link #subscribe}
   * @throws IllegalArgumentException if a parameter has an unsupported type
   * @throws IllegalStateException if the client is closed
   */
  LiveQuery live(String sql, Consumer<List<Row>> onRows, Object... params);

  /**
   * Opens one subscription on a stream of its own and returns its events as they arrive, exactly as
   * the server sends them (see {@link LiveEvent}): for tools that show the snapshot, the ready
   * marker and every change with its {@code _seq}, such as the {@code tributary sql} shell. There
   * is no resume and no reconciliation; {@link #subscribe} and {@link #live} do that.
   *
   * <p>This call does no network I/O of its own that can fail: the server's answer, including a
   * rejected statement, is read by the stream's {@link EventStream#hasNext()}. The call timeout
   * does not apply; the stream lasts until it ends or is closed.
   *
   * @param sql one {@code SUBSCRIBE TO} statement or live SELECT, also inside {@code EXECUTE AS
   *     USER}
   * @param params the positional parameters, {@code $1} first
   * @throws IllegalArgumentException if a parameter has an unsupported type
   * @throws IllegalStateException if the client is closed
   */
  EventStream stream(String sql, Object... params);

  /**
   * A consumer of a topic, or of a table's change feed, in a consumer group (see {@link
   * TopicConsumer}); nothing happens until {@link TopicConsumer#run}.
   *
   * @param topicOrTable the topic or table, {@code ns.name}
   */
  TopicConsumer consumer(String topicOrTable);

  /**
   * Shuts the channel down, waiting briefly for calls in flight. Idempotent. Later calls throw
   * {@link IllegalStateException}; calls still in flight after the wait fail with code {@code
   * UNAVAILABLE}. Every subscription and live query of the client ends, without further callbacks.
   */
  @Override
  void close();
}
