package io.tributary.server.internal;

import io.tributary.live.LiveHub;
import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.log.LogException;
import io.tributary.log.LogPosition;
import io.tributary.log.LogRoute;
import io.tributary.log.LogTopics;
import io.tributary.query.Action;
import io.tributary.query.Analyzer;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import io.tributary.query.exec.HotTier;
import io.tributary.query.exec.QueryEngine;
import io.tributary.query.parse.Statement;
import io.tributary.query.parse.StatementCache;
import io.tributary.query.parse.StatementLimits;
import io.tributary.query.parse.StatementParser;
import io.tributary.server.ConsumeRunner;
import io.tributary.server.Principal;
import io.tributary.server.StatementOutcome;
import io.tributary.server.StatementRunner;
import io.tributary.server.SubscriptionAnalyzer;
import io.tributary.server.auth.Passwords;
import io.tributary.source.Sources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs statements: parse, analyze and authorize ({@link Analyzer}), then carry out the action —
 * catalog changes through the catalog topic, writes through the write topics and the materializer's
 * outcome, reads through the {@link QueryEngine} over the hot tier. Catalog statements run one at a
 * time on this node so that their checks and their effect cannot interleave.
 */
public final class Engine implements StatementRunner, SubscriptionAnalyzer, ConsumeRunner {
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

  /** A fixed dummy hash so that an unknown user costs as much as a wrong password. */
  private static final String DUMMY_HASH = Passwords.hash("not-a-real-password");

  private final Log log;
  private final CatalogStore catalogStore;
  private final Catalog catalog;
  private final HotTier hot;
  private final Outcomes outcomes;
  private final Analyzer analyzer;
  private final QueryEngine queries;
  private final Duration writeTimeout;
  private final LiveHub live;
  private final HotMemberships memberships;
  private final Sources sources;
  private final Consumers consumers;
  private final FlushJobs flushes;
  private final StreamRetention streamRetention;
  private final Object catalogLock = new Object();

  /**
   * The largest write command appended to the log: the statement limit, well below the largest
   * record the log's writer accepts ({@link LogConfig#MAX_RECORD_BYTES}), so that the change
   * records the materializer derives from a command fit as well: an update's change holds the old
   * row (written by one command) and the new one (that row plus the values of another).
   */
  static final int MAX_COMMAND_BYTES = StatementLimits.MAX_STATEMENT_BYTES;

  static {
    if (3L * MAX_COMMAND_BYTES + 64 * 1024 > LogConfig.MAX_RECORD_BYTES) {
      throw new AssertionError("Cannot run with a write limit the log does not accept");
    }
  }

  /** Parsed writes by text: a client repeating a parameterized INSERT skips the parser. */
  private final StatementCache parsed = new StatementCache(1_024, 4_096);

  public Engine(
      Log log,
      CatalogStore catalogStore,
      HotTier hot,
      Outcomes outcomes,
      NodeEnvironment env,
      Duration writeTimeout,
      LiveHub live,
      Sources sources,
      FlushJobs flushes) {
    this.flushes = flushes;
    this.log = log;
    this.catalogStore = catalogStore;
    this.catalog = catalogStore.catalog();
    this.hot = hot;
    this.outcomes = outcomes;
    // Membership read across both tiers: a members table may have flushed.
    this.memberships = new HotMemberships(flushes.reads());
    this.analyzer = new Analyzer(catalog, env, memberships);
    this.queries = new QueryEngine(catalog);
    this.writeTimeout = writeTimeout;
    this.live = live;
    this.sources = sources;
    this.consumers = new Consumers(log, catalog);
    this.streamRetention = new StreamRetention(log, catalog);
    // The STREAM tables' events may have been created or dropped while this node was down.
    streamRetention.align();
  }

  /** CONSUME, ACK and consumer groups of this node. */
  public Consumers consumers() {
    return consumers;
  }

  @Override
  public List<StatementOutcome> execute(Principal principal, String sql, List<Object> params) {
    List<StatementOutcome> out = new ArrayList<>();
    List<String> texts;
    try {
      texts = StatementParser.split(sql);
    } catch (TributaryException e) {
      out.add(new StatementOutcome.Failed(sql, e));
      return out;
    }
    if (texts.isEmpty()) {
      out.add(
          new StatementOutcome.Failed(
              sql,
              TributaryException.of(
                  ErrorCode.SYNTAX_ERROR, "Cannot parse statement: it is empty")));
    }
    for (String text : texts) {
      StatementOutcome outcome = runWithinLimits(principal, text, params);
      out.add(outcome);
      if (outcome instanceof StatementOutcome.Failed) {
        break;
      }
    }
    return out;
  }

  /**
   * Runs one statement of at most {@link StatementLimits#MAX_STATEMENT_BYTES}. The parser refuses
   * deep nesting before Calcite sees it; a statement that still exhausts the stack (Calcite and the
   * expression compiler recurse over the tree) fails alone, and the server goes on.
   */
  private StatementOutcome runWithinLimits(Principal principal, String text, List<Object> params) {
    try {
      StatementLimits.checkStatementSize(text, params);
      return run(principal, text, params);
    } catch (TributaryException e) {
      return new StatementOutcome.Failed(text, e);
    } catch (StackOverflowError e) {
      return new StatementOutcome.Failed(
          text,
          new TributaryException(
              ErrorCode.SYNTAX_ERROR,
              "Cannot run statement: it nests too deeply to be analyzed (simplify its"
                  + " expressions)"));
    }
  }

  private StatementOutcome run(Principal principal, String text, List<Object> params) {
    try {
      // The principal's role may have changed since its token was issued: use the current one.
      UserDef user = account(principal, "run statement");
      Statement statement = parsed.parse(text);
      if (changesCatalog(statement)) {
        synchronized (catalogLock) {
          return perform(text, analyzer.analyze(statement, user, params));
        }
      }
      return perform(text, analyzer.analyze(statement, user, params));
    } catch (TributaryException e) {
      return new StatementOutcome.Failed(text, e);
    } catch (RuntimeException e) {
      LOG.error("Statement failed unexpectedly", e);
      return new StatementOutcome.Failed(
          text,
          new TributaryException(
              ErrorCode.INTERNAL, "Cannot run statement: internal error (see server log)", e));
    }
  }

  private static boolean changesCatalog(Statement statement) {
    Statement s = statement instanceof Statement.ExecuteAs e ? e.inner() : statement;
    return !(s instanceof Statement.Query
        || s instanceof Statement.Insert
        || s instanceof Statement.Update
        || s instanceof Statement.Delete
        || s instanceof Statement.Subscribe
        || s instanceof Statement.ShowPolicies
        || s instanceof Statement.KillLiveQuery
        || s instanceof Statement.Consume
        || s instanceof Statement.Ack
        || s instanceof Statement.ResetConsumerGroup
        || s instanceof Statement.ShowTopics
        || s instanceof Statement.StorageFlush);
  }

  private StatementOutcome perform(String text, Action action) {
    return action.accept(new Perform(text));
  }

  /** Carries out one analyzed statement's action: one method per kind of action. */
  private final class Perform implements Action.Visitor<StatementOutcome> {
    private final String text;

    Perform(String text) {
      this.text = text;
    }

    @Override
    public StatementOutcome visit(Action.CatalogChange c) {
      streamRetention.beforeChange(c.records(), c.tag());
      catalogStore.append(c.records());
      for (CatalogRecord record : c.records()) {
        if (c.tag().equals("ALTER TABLE") && record.value() instanceof TableDef altered) {
          flushes.altered(altered);
        }
      }
      for (TableDef dropped : c.dropped()) {
        purge(dropped);
        flushes.dropped(dropped);
      }
      purgeOwners(c.purges());
      flushes.purged(c.purges());
      // Lowers it when the STREAM table with the largest TTL went (no admin call when unchanged,
      // nor
      // for a change without a STREAM table).
      streamRetention.afterChange(c.records(), c.dropped());
      return new StatementOutcome.Done(text, c.tag());
    }

    @Override
    public StatementOutcome visit(Action.Write w) {
      return new StatementOutcome.Affected(text, write(w));
    }

    @Override
    public StatementOutcome visit(Action.Read r) {
      try (PrincipalRows rows =
          new PrincipalRows(
              catalog,
              hot,
              live,
              memberships,
              sources,
              consumers,
              flushes,
              r.coldFilters(),
              r.user(),
              r.userId(),
              r.role())) {
        return new StatementOutcome.Rows(text, queries.select(r.sql(), r.params(), rows));
      }
    }

    @Override
    public StatementOutcome visit(Action.Result r) {
      return new StatementOutcome.Rows(text, r.result());
    }

    @Override
    public StatementOutcome visit(Action.Subscribe s) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot run SUBSCRIBE with Execute: open it with the live API (LiveService), the client's"
              + " subscribe() or live(), or `tributary sql -e`");
    }

    @Override
    public StatementOutcome visit(Action.KillLiveQuery k) {
      live.kill(k.subscriptionId());
      return new StatementOutcome.Done(text, "KILL LIVE QUERY");
    }

    @Override
    public StatementOutcome visit(Action.Done d) {
      return new StatementOutcome.Done(text, d.tag());
    }

    @Override
    public StatementOutcome visit(Action.SourceChange c) {
      try {
        catalogStore.append(sources.prepare(c));
      } finally {
        sources.catalogChanged();
      }
      return new StatementOutcome.Done(text, c.tag());
    }

    @Override
    public StatementOutcome visit(Action.TopicChange t) {
      if (t.create() != null) {
        try {
          log.topicAdmin()
              .createTopic(LogTopics.userTopic(t.create().id()), t.create().partitions());
        } catch (LogException e) {
          throw new TributaryException(
              ErrorCode.UNAVAILABLE,
              "Cannot create topic " + t.create().qualifiedName() + ": " + e.getMessage(),
              e);
        }
      }
      catalogStore.append(List.of(t.record()));
      if (t.delete() != null) {
        consumers.topicDropped(t.delete());
        try {
          log.topicAdmin().deleteTopic(LogTopics.userTopic(t.delete().id()));
        } catch (LogException e) {
          LOG.warn("Could not delete the Kafka topic of {}", t.delete().qualifiedName(), e);
        }
      }
      return new StatementOutcome.Done(text, t.tag());
    }

    @Override
    public StatementOutcome visit(Action.Consume c) {
      return new StatementOutcome.Rows(text, consumers.consume(c));
    }

    @Override
    public StatementOutcome visit(Action.Ack a) {
      consumers.ack(a);
      return new StatementOutcome.Done(text, "ACK");
    }

    @Override
    public StatementOutcome visit(Action.Flush f) {
      for (TableDef table : f.tables()) {
        flushes.flush(table);
      }
      return new StatementOutcome.Done(text, "STORAGE FLUSH");
    }

    @Override
    public StatementOutcome visit(Action.ResetConsumerGroup r) {
      consumers.reset(r);
      return new StatementOutcome.Done(text, "RESET CONSUMER GROUP");
    }
  }

  private long write(Action.Write w) {
    WriteCommand command = w.command();
    return flushes.write(w.table(), w.owner(), command, () -> append(w, command));
  }

  private long append(Action.Write w, WriteCommand command) {
    if (w.spansPartitions()) {
      return appendAcrossPartitions(w, command);
    }
    LogRoute route =
        w.owner() == null
            ? log.topics().sharedWrite(w.table().id(), w.partitionValue())
            : w.table().kind() == TableKind.STREAM
                ? log.topics().streamWrite(w.owner())
                : log.topics().userWrite(w.owner());
    return appendOne(w, command, route);
  }

  private long appendOne(Action.Write w, WriteCommand command, LogRoute route) {
    byte[] encoded = CommandCodec.encode(command);
    requireSize(w.table(), encoded);
    CompletableFuture<WriteOutcome> outcome = outcomes.register(command.requestId());
    try {
      await(log.writer().append(route, encoded), "write to " + w.table().qualifiedName());
      WriteOutcome result = await(outcome, "confirm the write to " + w.table().qualifiedName());
      if (!result.succeeded()) {
        throw new TributaryException(result.error(), result.message());
      }
      return result.rowsAffected();
    } finally {
      outcomes.forget(command.requestId());
    }
  }

  /**
   * A statement that spans values of its table's PARTITION_KEY, applied by two-phase commit through
   * the log (docs/sql.md "Atomicity"); this node is its coordinator. It splits the command into one
   * piece per partition (an INSERT's rows by their key value's partition; an UPDATE or DELETE goes
   * to every partition), appends one {@link WriteCommand.PrepareTx} per piece in one Kafka
   * transaction, waits for every piece's vote, and appends the decision (commit when every piece
   * was prepared) to the home partition, whose owner passes it on to the others. It answers once
   * every partition applied the decision: the rows affected, or the first refusal's error (in
   * partition order). Rows of one partition only take the single-command path.
   */
  private long appendAcrossPartitions(Action.Write w, WriteCommand command) {
    TableDef table = w.table();
    LogTopics topics = log.topics();
    java.util.SortedMap<Integer, WriteCommand> pieces = new java.util.TreeMap<>();
    java.util.Map<Integer, byte[]> keys = new java.util.HashMap<>();
    String txId = command.requestId();
    if (command instanceof WriteCommand.InsertRows insert) {
      java.util.Map<Integer, List<byte[]>> rows = new java.util.TreeMap<>();
      for (int i = 0; i < insert.rows().size(); i++) {
        LogRoute route = topics.sharedWrite(table.id(), w.rowPartitionValues().get(i));
        rows.computeIfAbsent(route.partition(), p -> new ArrayList<>()).add(insert.rows().get(i));
        keys.putIfAbsent(route.partition(), route.key());
      }
      if (rows.size() == 1) {
        int p = rows.keySet().iterator().next();
        return appendOne(w, command, new LogRoute(topics.sharedWrites(), p, keys.get(p)));
      }
      rows.forEach(
          (p, r) ->
              pieces.put(
                  p, new WriteCommand.InsertRows(txId, table.id(), null, r, insert.accepted())));
    } else {
      List<LogRoute> every = topics.everyPartition(topics.sharedWrites(), table.id());
      if (every.size() == 1) {
        return appendOne(w, command, every.get(0));
      }
      for (LogRoute route : every) {
        pieces.put(route.partition(), command);
        keys.put(route.partition(), route.key());
      }
    }
    List<Integer> participants = List.copyOf(pieces.keySet());
    int home = participants.get(0);
    long accepted =
        command.accepted() != null ? command.accepted().atMillis() : System.currentTimeMillis();
    long deadline = accepted + writeTimeout.toMillis();
    List<Map.Entry<LogRoute, byte[]>> prepares = new ArrayList<>();
    for (Map.Entry<Integer, WriteCommand> piece : pieces.entrySet()) {
      int p = piece.getKey();
      byte[] encoded =
          CommandCodec.encode(
              new WriteCommand.PrepareTx(
                  txId + "/" + p, table.id(), txId, participants, deadline, piece.getValue()));
      requireSize(table, encoded);
      prepares.add(Map.entry(new LogRoute(topics.sharedWrites(), p, keys.get(p)), encoded));
    }
    String action = "write to " + table.qualifiedName();
    Map<Integer, CompletableFuture<WriteOutcome>> votes = new java.util.TreeMap<>();
    Map<Integer, CompletableFuture<WriteOutcome>> resolved = new java.util.TreeMap<>();
    List<String> registered = new ArrayList<>();
    for (int p : participants) {
      votes.put(p, outcomes.register(txId + "/" + p));
      registered.add(txId + "/" + p);
      if (p != home) {
        resolved.put(p, outcomes.register(txId + "/" + p + "/resolve"));
        registered.add(txId + "/" + p + "/resolve");
      }
    }
    CompletableFuture<WriteOutcome> decided = outcomes.register(txId + "/decide");
    registered.add(txId + "/decide");
    try {
      await(log.writer().appendAtomically(prepares), action);
      WriteOutcome refusal = null;
      boolean unanswered = false;
      for (CompletableFuture<WriteOutcome> vote : votes.values()) {
        // Every vote within the Prepare's deadline, not a write timeout each: past it the home
        // partition's owner aborts the statement anyway.
        long left = deadline - System.currentTimeMillis();
        try {
          WriteOutcome v = left > 0 ? vote.get(left, TimeUnit.MILLISECONDS) : vote.getNow(null);
          if (v == null) {
            unanswered = true;
          } else if (!v.succeeded() && refusal == null) {
            refusal = v;
          }
        } catch (TimeoutException e) {
          unanswered = true;
        } catch (ExecutionException e) {
          unanswered = true;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          unanswered = true;
        }
      }
      boolean commit = refusal == null && !unanswered;
      await(
          log.writer()
              .append(
                  new LogRoute(topics.sharedWrites(), home, keys.get(home)),
                  CommandCodec.encode(
                      new WriteCommand.DecideTx(
                          txId + "/decide", table.id(), txId, commit, participants, false))),
          action);
      WriteOutcome decision = await(decided, "confirm the " + action);
      // The rows the decision applied, summed over the partitions (not the votes' counts).
      long affected = decision.rowsAffected();
      WriteOutcome failed = decision.succeeded() ? null : decision;
      for (CompletableFuture<WriteOutcome> r : resolved.values()) {
        WriteOutcome applied = await(r, "confirm the " + action);
        affected += applied.rowsAffected();
        if (!applied.succeeded() && failed == null) {
          failed = applied;
        }
      }
      if (failed != null) {
        throw new TributaryException(failed.error(), failed.message());
      }
      if (refusal != null) {
        throw new TributaryException(refusal.error(), refusal.message());
      }
      if (unanswered) {
        throw TributaryException.of(
            ErrorCode.TIMEOUT,
            "Cannot %s: a partition did not confirm its piece within %d s, so the statement was"
                + " aborted, nothing was written; run it again",
            action,
            writeTimeout.toSeconds());
      }
      return affected;
    } finally {
      registered.forEach(outcomes::forget);
    }
  }

  private static void requireSize(TableDef table, byte[] encoded) {
    if (encoded.length > MAX_COMMAND_BYTES) {
      // Refused here, the same way every time, rather than by the log's max.request.size.
      throw TributaryException.of(
          ErrorCode.STATEMENT_TOO_LARGE,
          "Cannot write to %s: the write is %,d bytes with its defaults filled in, more than the"
              + " limit of %,d bytes; split it into smaller statements",
          table.qualifiedName(),
          encoded.length,
          MAX_COMMAND_BYTES);
    }
  }

  /** Removes a dropped table's rows from every partition of its write topic. */
  private void purge(TableDef table) {
    List<Map.Entry<LogRoute, WriteCommand>> purges = new ArrayList<>();
    for (LogRoute route : log.topics().everyPartition(topicFor(table), table.id())) {
      purges.add(
          Map.entry(
              route,
              new WriteCommand.PurgeTable(
                  "purge-" + table.id() + "-" + route.partition(), table.id(), null)));
    }
    appendAll(purges, "purge the rows of " + table.qualifiedName());
  }

  /**
   * Appends the purges of one owner's rows (a dropped account's) to the write topic of each table
   * (user-writes, or stream-events for a STREAM table), each under its owner's key so that it lands
   * in the partition that holds those rows.
   */
  private void purgeOwners(List<WriteCommand.PurgeTable> purges) {
    List<Map.Entry<LogRoute, WriteCommand>> routed = new ArrayList<>();
    for (WriteCommand.PurgeTable purge : purges) {
      boolean stream =
          catalog.table(purge.tableId()).map(t -> t.kind() == TableKind.STREAM).orElse(false);
      routed.add(
          Map.entry(
              stream
                  ? log.topics().streamWrite(purge.owner())
                  : log.topics().userWrite(purge.owner()),
              purge));
    }
    appendAll(routed, "purge the rows of the dropped user");
  }

  /** Appends every command to its route, then waits until all are durable. */
  private void appendAll(List<Map.Entry<LogRoute, WriteCommand>> commands, String action) {
    List<CompletableFuture<LogPosition>> appends = new ArrayList<>();
    for (Map.Entry<LogRoute, WriteCommand> c : commands) {
      appends.add(log.writer().append(c.getKey(), CommandCodec.encode(c.getValue())));
    }
    for (CompletableFuture<LogPosition> append : appends) {
      await(append, action);
    }
  }

  private String topicFor(TableDef table) {
    return switch (table.kind()) {
      case SHARED -> log.topics().sharedWrites();
      case STREAM -> log.topics().streamEvents();
      default -> log.topics().userWrites();
    };
  }

  private <T> T await(CompletableFuture<T> future, String action) {
    try {
      return future.get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TributaryException t) {
        throw t;
      }
      throw new TributaryException(
          ErrorCode.UNAVAILABLE, "Cannot " + action + ": " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new TributaryException(
          ErrorCode.TIMEOUT,
          "Cannot "
              + action
              + ": no answer within "
              + writeTimeout.toSeconds()
              + " s (a write already in the log will still be applied)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TributaryException(ErrorCode.UNAVAILABLE, "Cannot " + action + ": interrupted");
    }
  }

  /** How many analyzed subscriptions {@link #analyzeSubscription} remembers. */
  private static final int MAX_ANALYZED = 10_000;

  private record AnalyzedKey(
      String sql, List<Object> params, String userId, Role role, long catalogVersion) {}

  /**
   * Subscriptions already analyzed, by statement, parameters, user and catalog version: clients
   * that subscribe with the same statement (every reconnect does) skip Calcite's validation and the
   * filter's compilation. An analyzed subscription is immutable and shared by its subscriptions.
   */
  private final Map<AnalyzedKey, Action.Subscribe> analyzed = new ConcurrentHashMap<>();

  @Override
  public Action.Subscribe analyzeSubscription(
      Principal principal, String sql, List<Object> params) {
    // The version is read first: what is analyzed next sees at least that catalog.
    long version = catalogStore.version();
    // Checked before the cache, which does not know which tokens were revoked.
    UserDef user = account(principal, "subscribe");
    AnalyzedKey key = new AnalyzedKey(sql, params, principal.userId(), principal.role(), version);
    Action.Subscribe known = analyzed.get(key);
    if (known != null) {
      return known;
    }
    Action.Subscribe fresh = analyzeSubscriptionNow(user, sql, params).withCatalogVersion(version);
    if (analyzed.size() >= MAX_ANALYZED) {
      analyzed.clear(); // crude but bounded
    }
    analyzed.put(key, fresh);
    return fresh;
  }

  private Action.Subscribe analyzeSubscriptionNow(UserDef user, String sql, List<Object> params) {
    StatementLimits.checkStatementSize(sql, params);
    List<String> texts = StatementParser.split(sql);
    if (texts.size() != 1) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot subscribe: expected exactly one SUBSCRIBE or SELECT statement, found %d"
              + " statements",
          texts.size());
    }
    Statement statement = StatementParser.parseLive(texts.get(0));
    Statement inner = statement instanceof Statement.ExecuteAs e ? e.inner() : statement;
    if (inner instanceof Statement.Query) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot subscribe: a live SELECT supports only SELECT <columns or *> FROM"
              + " <namespace.table> [WHERE ...] [ORDER BY <columns> [ASC|DESC]] [LIMIT n], not"
              + " this query");
    }
    if (!(inner instanceof Statement.Subscribe || inner instanceof Statement.LiveSelect)) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot subscribe: expected SUBSCRIBE TO namespace.table ... or a SELECT, found another"
              + " statement");
    }
    return (Action.Subscribe) analyzer.analyze(statement, user, params);
  }

  @Override
  public ConsumeRunner.Session open(Principal principal, String sql, List<Object> params) {
    UserDef user = account(principal, "consume");
    StatementLimits.checkStatementSize(sql, params);
    List<String> texts = StatementParser.split(sql);
    Statement statement = texts.size() == 1 ? parsed.parse(texts.get(0)) : null;
    Statement inner = statement instanceof Statement.ExecuteAs e ? e.inner() : statement;
    if (!(inner instanceof Statement.Consume c) || c.group() == null) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot consume: a consume stream takes one CONSUME FROM ... GROUP 'g' statement");
    }
    return consumers.open((Action.Consume) analyzer.analyze(statement, user, params), principal);
  }

  @Override
  public void ack(Principal principal, String topic, String group, int partition, long offset) {
    UserDef user = account(principal, "ack");
    int dot = topic.indexOf('.');
    if (dot <= 0 || dot == topic.length() - 1) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT, "Cannot ack %s: name the topic as namespace.topic", topic);
    }
    if (partition < 0) {
      // -1 is ACK's "every partition"; an ack of the stream names the partition of its records
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot ack %s: partition %d is negative (an offset belongs to one partition)",
          topic,
          partition);
    }
    Statement.Ack ack =
        new Statement.Ack(
            topic.substring(0, dot), topic.substring(dot + 1), group, partition, offset);
    consumers.ack((Action.Ack) analyzer.analyze(ack, user, List.of()));
  }

  @Override
  public Principal authenticate(String user, String password) {
    UserDef def = user == null ? null : catalog.user(user).orElse(null);
    boolean ok =
        Passwords.matches(
            password == null ? "" : password, def == null ? DUMMY_HASH : def.passwordHash());
    if (def == null || !ok) {
      throw TributaryException.of(
          ErrorCode.AUTHENTICATION_FAILED, "Cannot log in: unknown user or wrong password");
    }
    return new Principal(def.id(), def.name(), def.role(), def.credentialVersion());
  }

  @Override
  public Principal revalidate(Principal principal) {
    UserDef user = account(principal, "authenticate");
    return user.role() == principal.role()
        ? principal
        : new Principal(user.id(), user.name(), user.role(), principal.credentialVersion());
  }

  /**
   * The account a principal acts as, as the catalog holds it now.
   *
   * @throws TributaryException UNAUTHENTICATED when the account was dropped (a new account with the
   *     same name is another account) or its password changed after the principal's token was
   *     issued
   */
  private UserDef account(Principal principal, String action) {
    UserDef user = catalog.userById(principal.userId()).orElse(null);
    if (user == null) {
      throw TributaryException.of(
          ErrorCode.UNAUTHENTICATED,
          "Cannot %s: the account of user %s was dropped",
          action,
          principal.user());
    }
    if (user.credentialVersion() > principal.credentialVersion()) {
      throw TributaryException.of(
          ErrorCode.UNAUTHENTICATED,
          "Cannot %s: the password of user %s changed after this token was issued; log in again",
          action,
          user.name());
    }
    return user;
  }
}
