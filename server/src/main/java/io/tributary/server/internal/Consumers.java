package io.tributary.server.internal;

import io.tributary.log.GroupConsumer;
import io.tributary.log.Log;
import io.tributary.log.LogException;
import io.tributary.log.LogReader;
import io.tributary.log.LogRecord;
import io.tributary.log.LogTopics;
import io.tributary.query.Action;
import io.tributary.query.Authorizer;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.TopicRecord;
import io.tributary.query.exec.ConsumedRecords;
import io.tributary.query.exec.QueryResult;
import io.tributary.server.ConsumeRunner;
import io.tributary.server.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Carries out CONSUME, ACK and RESET CONSUMER GROUP over the log's topics and consumer groups
 * ({@link Log#topicAdmin()}, {@link Log#joinGroup}, {@link Log#openReader}), and lists {@code
 * system.consumer_offsets}. Turns each record into a result row ({@link ConsumedRecords}), keeping
 * only the records the acting account may read. Thread-safe.
 *
 * <p>A long-lived member (a consume stream) registers here while it runs, so an ACK of a partition
 * it holds commits through it: Kafka accepts a commit for a group with members only from a member.
 */
public final class Consumers {
  /** Records a CONSUME returns without LIMIT. */
  static final int DEFAULT_LIMIT = 100;

  /** The most records one CONSUME returns. */
  static final int MAX_LIMIT = 10_000;

  /** How long a CONSUME waits to join its group and read what was there when it started. */
  static final Duration CONSUME_WAIT = Duration.ofSeconds(10);

  private static final Duration POLL = Duration.ofMillis(100);

  private final Log log;
  private final Catalog catalog;
  private final Map<String, List<GroupConsumer>> members = new ConcurrentHashMap<>();

  public Consumers(Log log, Catalog catalog) {
    this.log = log;
    this.catalog = catalog;
  }

  /** The Kafka topic a source reads: the topic's own, or the change feed's. */
  public String kafkaTopic(Action.ConsumeSource source) {
    return source.topic() != null
        ? LogTopics.userTopic(source.topic().id())
        : log.topics().changes();
  }

  /** The Kafka consumer group of a group on a source. */
  public static String kafkaGroup(Action.ConsumeSource source, String scope, String group) {
    return LogTopics.consumerGroup(sourceKey(source), scope, group);
  }

  private static String sourceKey(Action.ConsumeSource source) {
    return source.topic() != null ? "topic-" + source.topic().id() : "table-" + source.table().id();
  }

  // ------------------------------------------------------------------ CONSUME

  /** Runs a one-shot CONSUME: joins (and leaves) the group, or reads without one. */
  public QueryResult consume(Action.Consume c) {
    int limit = c.limit() < 0 ? DEFAULT_LIMIT : (int) Math.min(c.limit(), MAX_LIMIT);
    String topic = kafkaTopic(c.source());
    Map<Integer, Long> ends = endOffsets(c.source(), "consume " + c.source().name());
    checkFrom(c, ends, "consume " + c.source().name());
    List<Object[]> rows = new ArrayList<>();
    if (c.group() == null) {
      readWithoutGroup(c, topic, ends, limit, rows);
    } else {
      readInGroup(c, topic, limit, rows);
    }
    return new QueryResult(ConsumedRecords.COLUMNS, rows);
  }

  private void readWithoutGroup(
      Action.Consume c, String topic, Map<Integer, Long> ends, int limit, List<Object[]> rows) {
    for (int p : new TreeMap<>(ends).keySet()) {
      long end = ends.get(p);
      try (LogReader reader = log.openReader(topic, p)) {
        long from = start(c.from(), reader, end);
        if (from >= end) {
          continue;
        }
        reader.seek(from);
        long deadline = System.nanoTime() + CONSUME_WAIT.toNanos();
        while (rows.size() < limit && reader.position() < end && System.nanoTime() < deadline) {
          for (LogRecord r : reader.poll(POLL)) {
            if (r.offset() < end && rows.size() < limit) {
              addRow(c, r, rows);
            }
          }
        }
      } catch (LogException e) {
        throw unavailable("consume " + c.source().name(), e);
      }
      if (rows.size() >= limit) {
        return;
      }
    }
  }

  /**
   * Refuses {@code FROM n} beyond the end of a partition, as RESET does: Kafka would move such a
   * position back to the start of the partition.
   */
  private static void checkFrom(Action.Consume c, Map<Integer, Long> ends, String action) {
    if (c.from() == null || c.from().equals("EARLIEST") || c.from().equals("LATEST")) {
      return;
    }
    long from = Long.parseLong(c.from());
    for (Map.Entry<Integer, Long> e : new TreeMap<>(ends).entrySet()) {
      if (from > e.getValue()) {
        throw TributaryException.of(
            ErrorCode.OFFSET_OUT_OF_RANGE,
            "Cannot %s: offset %d is beyond the end of partition %d (its next offset is %d)",
            action,
            from,
            e.getKey(),
            e.getValue());
      }
    }
  }

  private static long start(String from, LogReader reader, long end) {
    if (from == null || from.equals("EARLIEST")) {
      return reader.beginningOffset(Duration.ofSeconds(30));
    }
    if (from.equals("LATEST")) {
      return end;
    }
    return Long.parseLong(from);
  }

  private void readInGroup(Action.Consume c, String topic, int limit, List<Object[]> rows) {
    String group = kafkaGroup(c.source(), c.scope(), c.group());
    GroupConsumer.Start start =
        c.from() == null || c.from().equals("EARLIEST")
            ? GroupConsumer.Start.EARLIEST
            : c.from().equals("LATEST") ? GroupConsumer.Start.LATEST : GroupConsumer.Start.OFFSET;
    long startOffset = start == GroupConsumer.Start.OFFSET ? Long.parseLong(c.from()) : 0;
    try (GroupConsumer member = log.joinGroup(group, topic, start, startOffset)) {
      long deadline = System.nanoTime() + CONSUME_WAIT.toNanos();
      Map<Integer, Long> ends = null;
      while (rows.size() < limit && System.nanoTime() < deadline) {
        List<LogRecord> polled = member.poll(POLL);
        if (!member.joined()) {
          continue;
        }
        if (ends == null) {
          ends = log.topicAdmin().endOffsets(topic);
        }
        for (LogRecord r : polled) {
          if (rows.size() < limit && r.offset() < ends.getOrDefault(r.position().partition(), 0L)) {
            addRow(c, r, rows);
          }
        }
        if (caughtUp(member, ends)) {
          break;
        }
      }
    } catch (LogException e) {
      throw unavailable("consume " + c.source().name(), e);
    }
  }

  private static boolean caughtUp(GroupConsumer member, Map<Integer, Long> ends) {
    Set<Integer> assigned = member.assignment();
    Map<Integer, Long> positions = member.positions();
    for (int p : assigned) {
      if (positions.getOrDefault(p, 0L) < ends.getOrDefault(p, 0L)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Adds the record's row when it belongs to the source and the actor may read it and the filter
   * matches. Public for the consume stream.
   */
  public boolean addRow(Action.Consume c, LogRecord r, List<Object[]> rows) {
    Object[] row = toRow(c, r);
    if (row != null) {
      rows.add(row);
      return true;
    }
    return false;
  }

  /** The result row of one record, or null when the actor does not get it. */
  public Object[] toRow(Action.Consume c, LogRecord r) {
    if (r.value() == null) {
      return null;
    }
    int partition = r.position().partition();
    if (c.source().topic() != null) {
      TopicRecord t = TopicRecord.decode(r.value());
      if (!visible(c, t.owner())) {
        return null;
      }
      TableDef table = catalog.table(t.tableId()).orElse(null);
      if (table == null) {
        return null;
      }
      if (c.filter() != null) {
        if (table.id() != c.filterTable().id() || t.row() == null) {
          return null;
        }
        if (!matches(c, ConsumedRecords.filterRow(table, t.row(), t.seq()))) {
          return null;
        }
      }
      return ConsumedRecords.row(
          partition, r.offset(), ownerName(t.owner()), table, t, r.timestampMillis());
    }
    RowChange change = CommandCodec.decodeChange(r.value());
    TableDef table = c.source().table();
    if (change.tableId() != table.id() || !visible(c, change.owner())) {
      return null;
    }
    if (c.filter() != null) {
      byte[] bytes = change.kind() == RowChange.Kind.DELETE ? change.oldRow() : change.newRow();
      if (!matches(c, ConsumedRecords.filterRow(table, bytes, change.seq()))) {
        return null;
      }
    }
    return ConsumedRecords.row(
        partition, r.offset(), ownerName(change.owner()), table, change, r.timestampMillis());
  }

  /**
   * Whether the CONSUME's WHERE matches a record's row; one it fails to evaluate on (division by
   * zero, say) is no match, so one bad record never blocks a group.
   */
  private static boolean matches(Action.Consume c, Object[] row) {
    try {
      return c.filter().test(row);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Ends a stream whose topic was dropped (or dropped and created again: another topic). */
  private void checkTopicExists(Action.Consume c, String action) {
    TopicDef topic = c.source().topic();
    if (topic == null) {
      return;
    }
    TopicDef now = catalog.topic(topic.namespace(), topic.name()).orElse(null);
    if (now == null || now.id() != topic.id()) {
      throw TributaryException.of(
          ErrorCode.TOPIC_NOT_FOUND, "Cannot %s: the topic was dropped", action);
    }
  }

  private static boolean visible(Action.Consume c, String owner) {
    return c.owner() == null || c.owner().equals(owner);
  }

  private String ownerName(String owner) {
    if (owner == null) {
      return null;
    }
    return catalog.userById(owner).map(UserDef::name).orElse(owner);
  }

  // ------------------------------------------------------------------ members of streams

  /** Consume streams one account may have open at once, by default. */
  public static final int DEFAULT_STREAMS_PER_ACCOUNT = 64;

  /** Consume streams this server runs at once, by default. */
  public static final int DEFAULT_STREAMS = 1_024;

  /**
   * An open consume stream: who opened it (with the credential version of their token) and as whom
   * it reads, so an account change can end it.
   */
  private static final class OpenStream {
    final String callerId;
    final long credentialVersion;
    final String actorId;

    /** The id of the topic consumed, or -1 for a table's change feed. */
    final long topicId;

    final String action;
    volatile GroupConsumer member;
    volatile TributaryException revoked;

    OpenStream(Principal caller, Action.Consume c, String action) {
      this.callerId = caller.userId();
      this.credentialVersion = caller.credentialVersion();
      this.actorId = c.actor().id();
      this.topicId = c.source().topic() == null ? -1 : c.source().topic().id();
      this.action = action;
    }

    void revoke(TributaryException error) {
      if (revoked == null) {
        revoked = error;
      }
      GroupConsumer m = member;
      if (m != null) {
        m.wakeup();
      }
    }

    void check() {
      TributaryException e = revoked;
      if (e != null) {
        throw e;
      }
    }
  }

  private final Set<OpenStream> streams = ConcurrentHashMap.newKeySet();

  /** The streams whose member is leaving (no longer counted in {@link #streams}), by member. */
  private final Map<GroupConsumer, OpenStream> closing = new ConcurrentHashMap<>();

  private volatile int maxStreamsPerAccount = DEFAULT_STREAMS_PER_ACCOUNT;
  private volatile int maxStreams = DEFAULT_STREAMS;

  /** Sets how many consume streams one account, and the server, may have open at once. */
  public void limitStreams(int perAccount, int total) {
    if (perAccount < 1 || total < 1) {
      throw new IllegalArgumentException("stream limits must be positive");
    }
    this.maxStreamsPerAccount = perAccount;
    this.maxStreams = total;
  }

  /**
   * Ends the consume streams an account change revokes (DESIGN.md section 6, like live streams):
   * dropping the account ends those it opened or that read as it ({@code UNAUTHENTICATED}); a
   * password change ends those opened with a token issued before it ({@code UNAUTHENTICATED}); a
   * role change ends those it opened or that read as it ({@code PERMISSION_DENIED}: what they may
   * read was decided with the old role).
   */
  public void accountChanged(UserDef before, UserDef after) {
    if (before == null) {
      return;
    }
    boolean dropped = after == null || !after.id().equals(before.id());
    for (OpenStream s : streams) {
      boolean concerned = s.callerId.equals(before.id()) || s.actorId.equals(before.id());
      if (!concerned) {
        continue;
      }
      if (dropped) {
        s.revoke(
            TributaryException.of(
                ErrorCode.UNAUTHENTICATED,
                "Cannot continue consuming: user %s was dropped",
                before.name()));
      } else if (s.callerId.equals(before.id())
          && after.credentialVersion() > s.credentialVersion) {
        s.revoke(
            TributaryException.of(
                ErrorCode.UNAUTHENTICATED,
                "Cannot continue consuming: the password of user %s changed; log in again",
                before.name()));
      } else if (after.role() != before.role()) {
        s.revoke(
            TributaryException.of(
                ErrorCode.PERMISSION_DENIED,
                "Cannot continue consuming: the role of user %s changed; consume again",
                before.name()));
      }
    }
  }

  /**
   * Ends the consume streams of a topic that is being dropped ({@code TOPIC_NOT_FOUND}), before its
   * Kafka topic is deleted: their members stop polling it at once instead of waiting on a topic
   * that no longer exists.
   */
  public void topicDropped(TopicDef topic) {
    for (OpenStream s : streams) {
      if (s.topicId == topic.id()) {
        s.revoke(
            TributaryException.of(
                ErrorCode.TOPIC_NOT_FOUND, "Cannot %s: the topic was dropped", s.action));
      }
    }
  }

  private OpenStream admit(Principal caller, Action.Consume c, String action) {
    OpenStream stream = new OpenStream(caller, c, action);
    synchronized (streams) {
      if (streams.size() >= maxStreams) {
        throw TributaryException.of(
            ErrorCode.LIMIT_EXCEEDED,
            "Cannot %s: the server already runs %d consume streams",
            action,
            maxStreams);
      }
      long mine = streams.stream().filter(s -> s.callerId.equals(caller.userId())).count();
      if (mine >= maxStreamsPerAccount) {
        throw TributaryException.of(
            ErrorCode.LIMIT_EXCEEDED,
            "Cannot %s: user %s already has %d consume streams open",
            action,
            caller.user(),
            maxStreamsPerAccount);
      }
      streams.add(stream);
    }
    return stream;
  }

  /**
   * Joins the group of a CONSUME with a GROUP as a long-lived member (a consume stream) opened by
   * {@code caller}; at most {@link #limitStreams} streams at once.
   */
  public ConsumeRunner.Session open(Action.Consume c, Principal caller) {
    String action = "consume " + c.source().name();
    checkFrom(c, endOffsets(c.source(), action), action);
    OpenStream stream = admit(caller, c, action);
    try {
      return open(c, action, stream);
    } catch (RuntimeException e) {
      streams.remove(stream);
      throw e;
    }
  }

  private ConsumeRunner.Session open(Action.Consume c, String action, OpenStream stream) {
    String group = kafkaGroup(c.source(), c.scope(), c.group());
    GroupConsumer.Start start =
        c.from() == null || c.from().equals("EARLIEST")
            ? GroupConsumer.Start.EARLIEST
            : c.from().equals("LATEST") ? GroupConsumer.Start.LATEST : GroupConsumer.Start.OFFSET;
    long startOffset = start == GroupConsumer.Start.OFFSET ? Long.parseLong(c.from()) : 0;
    GroupConsumer member;
    try {
      member = log.joinGroup(group, kafkaTopic(c.source()), start, startOffset);
    } catch (LogException e) {
      throw unavailable(action, e);
    }
    register(member);
    stream.member = member;
    if (stream.revoked != null) {
      member.wakeup();
    }
    return new ConsumeRunner.Session() {
      @Override
      public String name() {
        return c.source().name();
      }

      @Override
      public boolean joined() {
        return member.joined();
      }

      @Override
      public List<Object[]> poll(Duration timeout) {
        stream.check();
        checkTopicExists(c, action);
        List<Object[]> rows = new ArrayList<>();
        for (LogRecord r : member.poll(timeout)) {
          addRow(c, r, rows);
        }
        stream.check(); // records not sent stay the group's
        return rows;
      }

      @Override
      public void runPendingCommits() {
        stream.check();
        member.runPendingCommits();
      }

      @Override
      public void wakeup() {
        member.wakeup();
      }

      @Override
      public void close() {
        // The admission slot is freed before the (up to seconds long) leave, so a client that
        // reconnects at once is admitted; an ack failing on the closing member still finds why its
        // stream ended (commitFailed) through closing.
        closing.put(member, stream);
        streams.remove(stream);
        try {
          member.close(); // leaving commits the acks queued meanwhile; those after fail at once
          unregister(member);
        } finally {
          closing.remove(member);
        }
      }
    };
  }

  /** Registers a long-lived member, so ACKs of its partitions commit through it. */
  public void register(GroupConsumer member) {
    members.computeIfAbsent(member.group(), g -> new CopyOnWriteArrayList<>()).add(member);
  }

  public void unregister(GroupConsumer member) {
    List<GroupConsumer> list = members.get(member.group());
    if (list != null) {
      list.remove(member);
    }
  }

  // ------------------------------------------------------------------ ACK and RESET

  /** How long an ACK waits for a partition between two of this server's members to be assigned. */
  static final Duration HOLDER_WAIT = Duration.ofSeconds(5);

  /**
   * How long an ACK waits for its member's commit: with {@link #HOLDER_WAIT} it stays below the
   * client's 30 s deadline, so the client sees the server's answer rather than its own timeout.
   */
  static final Duration COMMIT_WAIT = Duration.ofSeconds(20);

  /** How many ACKs may wait for a holder at once. */
  static final int WAITING_ACKS = 16;

  private final Semaphore waitingAcks = new Semaphore(WAITING_ACKS);

  /**
   * ACK: commits {@code offset + 1} on the partition (or every partition), never moving back.
   *
   * <p>While the group has members, only the member holding a partition commits on it, so an ack is
   * carried out by the holder, never moving the group's committed offset back (a late ack, sent by
   * a client whose member lost the partition in a rebalance, cannot undo the new holder's
   * progress). An ack of a partition no member of this server holds while the group has members
   * (being moved between members, or held on another server) is refused with the retryable {@code
   * UNAVAILABLE}: its records are delivered again by the group.
   */
  public void ack(Action.Ack a) {
    String action = "ack " + a.source().name();
    String topic = kafkaTopic(a.source());
    String group = kafkaGroup(a.source(), a.scope(), a.group());
    GroupConsumer holder = holder(group, a.partition(), false);
    if (holder != null && holder.delivered(a.partition()) >= a.offset()) {
      // The holder read the record, so the offset exists and the group does; it commits, never
      // moving back. This spares an ack the broker round trips of end and committed offsets.
      commitThrough(holder, Map.of(a.partition(), a.offset() + 1), action);
      return;
    }
    Map<Integer, Long> ends = endOffsets(a.source(), action);
    List<Integer> partitions = partitions(a.partition(), ends, action);
    if (holder == null && a.partition() >= 0 && a.offset() < ends.get(a.partition())) {
      // A valid partition and offset no local member holds: it may be moving between two of them.
      holder = holder(group, a.partition(), true);
      if (holder != null && holder.delivered(a.partition()) >= a.offset()) {
        commitThrough(holder, Map.of(a.partition(), a.offset() + 1), action);
        return;
      }
    }
    Map<Integer, Long> committed = committed(group, topic, a.group(), action);
    if (a.partition() < 0 && ends.size() > 1) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: it has %d partitions and an offset belongs to one of them; name it with"
              + " PARTITION p",
          action,
          ends.size());
    }
    Map<Integer, Long> commit = new HashMap<>();
    for (int p : partitions) {
      long end = ends.get(p);
      if (a.offset() >= end) {
        if (a.partition() >= 0) {
          throw TributaryException.of(
              ErrorCode.OFFSET_OUT_OF_RANGE,
              "Cannot %s: offset %d is beyond the end of partition %d (its next offset is %d)",
              action,
              a.offset(),
              p,
              end);
        }
        continue;
      }
      long next = Math.max(committed.getOrDefault(p, 0L), a.offset() + 1);
      commit.put(p, next);
    }
    if (commit.isEmpty() && a.partition() < 0) {
      throw TributaryException.of(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          "Cannot %s: offset %d is beyond the end of every partition",
          action,
          a.offset());
    }
    commit(group, topic, commit, action);
  }

  /**
   * The member of this server holding the partition, or null. When the group has members here but
   * none holds it, the partition is being moved between them (a cooperative rebalance revokes it
   * from one member before it assigns it to another): waits at most {@link #HOLDER_WAIT} for it.
   */
  private GroupConsumer holder(String group, int partition, boolean wait) {
    if (partition < 0) {
      return null;
    }
    GroupConsumer found = localHolder(group, partition);
    if (found != null
        || !wait
        || members.getOrDefault(group, List.of()).isEmpty()
        || !waitingAcks.tryAcquire()) {
      // At most WAITING_ACKS acks wait at once (they hold threads of the shared blocking
      // executor); the others get the retryable UNAVAILABLE at once, as after a wait in vain.
      return found;
    }
    try {
      long deadline = System.nanoTime() + HOLDER_WAIT.toNanos();
      while (true) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        if (Thread.currentThread().isInterrupted()) {
          return null;
        }
        found = localHolder(group, partition);
        if (found != null
            || members.getOrDefault(group, List.of()).isEmpty()
            || System.nanoTime() >= deadline) {
          return found;
        }
      }
    } finally {
      waitingAcks.release();
    }
  }

  private GroupConsumer localHolder(String group, int partition) {
    for (GroupConsumer m : members.getOrDefault(group, List.of())) {
      if (m.assignment().contains(partition)) {
        return m;
      }
    }
    return null;
  }

  private void commitThrough(GroupConsumer member, Map<Integer, Long> offsets, String action) {
    try {
      member.commit(offsets).get(COMMIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw commitFailed(member, action, e.getCause());
    } catch (TimeoutException e) {
      throw TributaryException.of(
          ErrorCode.TIMEOUT, "Cannot %s: no answer within %d s", action, COMMIT_WAIT.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw TributaryException.of(ErrorCode.UNAVAILABLE, "Cannot %s: interrupted", action);
    }
  }

  /**
   * The error of an ack its member failed: the error that ended the member's stream when an account
   * change or a dropped topic ended it (final: the client must not reopen the stream as if the
   * member had merely left), else the retryable {@code UNAVAILABLE}.
   */
  private TributaryException commitFailed(GroupConsumer member, String action, Throwable cause) {
    OpenStream leaving = closing.get(member);
    if (leaving != null && leaving.revoked != null) {
      return new TributaryException(leaving.revoked.code(), leaving.revoked.getMessage(), cause);
    }
    for (OpenStream s : streams) {
      TributaryException revoked = s.revoked;
      if (s.member == member && revoked != null) {
        return new TributaryException(revoked.code(), revoked.getMessage(), cause);
      }
    }
    return unavailable(action, cause);
  }

  /** RESET CONSUMER GROUP: moves the committed offsets; the group must have no members. */
  public void reset(Action.ResetConsumerGroup r) {
    String action = "reset consumer group " + r.group() + " on " + r.source().name();
    String topic = kafkaTopic(r.source());
    String group = kafkaGroup(r.source(), r.scope(), r.group());
    Map<Integer, Long> ends = endOffsets(r.source(), action);
    List<Integer> partitions = partitions(r.partition(), ends, action);
    committed(group, topic, r.group(), action);
    Map<Integer, Long> beginnings = log.topicAdmin().beginningOffsets(topic);
    Map<Integer, Long> commit = new HashMap<>();
    for (int p : partitions) {
      long to =
          switch (r.to()) {
            case "EARLIEST" -> beginnings.getOrDefault(p, 0L);
            case "LATEST" -> ends.get(p);
            default -> Long.parseLong(r.to());
          };
      if (to > ends.get(p)) {
        throw TributaryException.of(
            ErrorCode.OFFSET_OUT_OF_RANGE,
            "Cannot %s: offset %d is beyond the end of partition %d (its next offset is %d)",
            action,
            to,
            p,
            ends.get(p));
      }
      commit.put(p, to);
    }
    if (hasMembers(group)) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: the group has active members; stop them first",
          action);
    }
    try {
      log.topicAdmin().commitOffsets(group, topic, commit);
    } catch (LogException e) {
      throw unavailable(action, e);
    }
  }

  private void commit(String group, String topic, Map<Integer, Long> commit, String action) {
    Map<GroupConsumer, Map<Integer, Long>> byMember = new HashMap<>();
    Map<Integer, Long> rest = new HashMap<>();
    List<GroupConsumer> local = members.getOrDefault(group, List.of());
    for (Map.Entry<Integer, Long> e : commit.entrySet()) {
      GroupConsumer holder =
          local.stream().filter(m -> m.assignment().contains(e.getKey())).findFirst().orElse(null);
      if (holder != null) {
        byMember.computeIfAbsent(holder, m -> new HashMap<>()).put(e.getKey(), e.getValue());
      } else {
        rest.put(e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<GroupConsumer, Map<Integer, Long>> e : byMember.entrySet()) {
      commitThrough(e.getKey(), e.getValue(), action);
    }
    try {
      if (!rest.isEmpty()) {
        if (hasMembers(group)) {
          throw TributaryException.of(
              ErrorCode.UNAVAILABLE,
              "Cannot %s: the partition is being rebalanced between the group's members; retry",
              action);
        }
        log.topicAdmin().commitOffsets(group, topic, rest);
      }
    } catch (LogException e) {
      throw unavailable(action, e);
    }
  }

  private boolean hasMembers(String group) {
    try {
      return log.topicAdmin().hasMembers(group);
    } catch (LogException e) {
      return false;
    }
  }

  private Map<Integer, Long> committed(
      String kafkaGroup, String topic, String group, String action) {
    Map<Integer, Long> committed = log.topicAdmin().committedOffsets(kafkaGroup, topic);
    if (committed.isEmpty()) {
      throw TributaryException.of(
          ErrorCode.CONSUMER_GROUP_NOT_FOUND,
          "Cannot %s: consumer group %s has never consumed it",
          action,
          group);
    }
    return committed;
  }

  private static List<Integer> partitions(int partition, Map<Integer, Long> ends, String action) {
    if (partition < 0) {
      return new ArrayList<>(new TreeMap<>(ends).keySet());
    }
    if (!ends.containsKey(partition)) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: partition %d does not exist (it has %d)",
          action,
          partition,
          ends.size());
    }
    return List.of(partition);
  }

  private Map<Integer, Long> endOffsets(Action.ConsumeSource source, String action) {
    Map<Integer, Long> ends;
    try {
      ends = log.topicAdmin().endOffsets(kafkaTopic(source));
    } catch (LogException e) {
      throw unavailable(action, e);
    }
    if (ends.isEmpty()) {
      throw TributaryException.of(
          ErrorCode.TOPIC_NOT_FOUND, "Cannot %s: its Kafka topic does not exist", action);
    }
    return ends;
  }

  private static TributaryException unavailable(String action, Throwable e) {
    return new TributaryException(
        ErrorCode.UNAVAILABLE, "Cannot " + action + ": " + e.getMessage(), e);
  }

  // ------------------------------------------------------------------ system.consumer_offsets

  /** The rows of {@code system.consumer_offsets} the account may see. */
  public List<Object[]> offsetRows(String userId, Role role) {
    List<Object[]> rows = new ArrayList<>();
    for (String id : log.topicAdmin().groups(LogTopics.GROUP_PREFIX)) {
      LogTopics.ConsumerGroupName name = LogTopics.parseConsumerGroup(id);
      if (name == null) {
        continue;
      }
      boolean visible =
          Authorizer.consumesAcrossUsers(role)
              ? name.scope() == null || Authorizer.maySeeAccount(role, userId, name.scope())
              : userId.equals(name.scope());
      if (!visible) {
        continue;
      }
      String shown = sourceName(name.source());
      if (shown == null) {
        continue;
      }
      for (Map.Entry<String, Map<Integer, Long>> t :
          log.topicAdmin().committedOffsets(id).entrySet()) {
        Map<Integer, Long> ends = log.topicAdmin().endOffsets(t.getKey());
        for (Map.Entry<Integer, Long> p : new TreeMap<>(t.getValue()).entrySet()) {
          long end = ends.getOrDefault(p.getKey(), p.getValue());
          rows.add(
              new Object[] {
                name.group(), shown, p.getKey(), p.getValue(), end, Math.max(0, end - p.getValue())
              });
        }
      }
    }
    return rows;
  }

  private String sourceName(String key) {
    if (key.startsWith("topic-")) {
      long id = Long.parseLong(key.substring("topic-".length()));
      return catalog.topics(null).stream()
          .filter(t -> t.id() == id)
          .map(TopicDef::qualifiedName)
          .findFirst()
          .orElse(null);
    }
    if (key.startsWith("table-")) {
      return catalog
          .table(Long.parseLong(key.substring("table-".length())))
          .map(TableDef::qualifiedName)
          .orElse(null);
    }
    return null;
  }
}
