package io.tributary.materializer.internal;

import io.tributary.log.LogTopics;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.TopicPayload;
import io.tributary.query.catalog.TopicSource;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.TopicRecord;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowPredicate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which user topics an applied change goes to (DESIGN.md section 6): the topics with a
 * source on the change's table that routes its operation and whose WHERE (compiled once per source,
 * with the same bound predicates as subscriptions) matches the new row (the old one, for a delete).
 * Each routed record is keyed by the change's owner, so one owner's records keep their order in one
 * partition. One stream thread uses an instance.
 */
final class TopicRouter {
  private static final Logger LOG = LoggerFactory.getLogger(TopicRouter.class);

  /** One record to write: its Kafka topic, key and value. */
  record Routed(String topic, byte[] key, byte[] value) {}

  private record FilterKey(long topicId, long tableId, String where) {}

  private final Catalog catalog;
  private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

  private final Map<FilterKey, RowPredicate> filters = new HashMap<>();
  private long filterErrors;
  private long lastWarnNanos;

  TopicRouter(Catalog catalog) {
    this.catalog = catalog;
  }

  /** The records {@code change} makes; empty (and cheap) when its table is no topic's source. */
  List<Routed> route(RowChange change) {
    List<TopicDef> topics = catalog.topicsWithSource(change.tableId());
    if (topics.isEmpty()) {
      return List.of();
    }
    TableDef table = catalog.table(change.tableId()).orElse(null);
    if (table == null) {
      return List.of();
    }
    List<Routed> out = new ArrayList<>(topics.size());
    Object[] row = null;
    for (TopicDef topic : topics) {
      TopicSource source = topic.source(change.tableId()).orElse(null);
      if (source == null || !source.routes(change.kind().name())) {
        continue;
      }
      if (source.where() != null) {
        if (row == null) {
          byte[] bytes = change.kind() == RowChange.Kind.DELETE ? change.oldRow() : change.newRow();
          row = RowCodec.decode(table.types(), bytes, table.columns().size() + 1);
          row[table.columns().size()] = change.seq();
        }
        RowPredicate filter = filter(topic, source, table);
        if (filter == null || !matches(filter, row, topic, table)) {
          continue;
        }
      }
      out.add(
          new Routed(
              LogTopics.userTopic(topic.id()),
              LogTopics.userTopicKey(change.owner(), change.tableId()),
              record(change, table, source.payload()).encode()));
    }
    return out;
  }

  /** How many rows were not routed to a topic because its WHERE failed to evaluate on them. */
  long filterErrors() {
    return filterErrors;
  }

  /**
   * Whether {@code filter} matches {@code row}; a WHERE that fails to evaluate on this row
   * (division by zero, say) is no match: the row is not routed to that topic and everything else
   * goes on. The warning names the topic, the table and the exception class, never row values, at
   * most once per {@link #WARN_INTERVAL_NANOS} per router.
   */
  private boolean matches(RowPredicate filter, Object[] row, TopicDef topic, TableDef table) {
    try {
      return filter.test(row);
    } catch (RuntimeException e) {
      filterErrors++;
      long now = System.nanoTime();
      if (lastWarnNanos == 0 || now - lastWarnNanos >= WARN_INTERVAL_NANOS) {
        lastWarnNanos = now;
        LOG.warn(
            "The WHERE of source {} of topic {} failed on a row ({}); not routing it there"
                + " ({} such rows so far)",
            table.qualifiedName(),
            topic.qualifiedName(),
            e.getClass().getSimpleName(),
            filterErrors);
      }
      return false;
    }
  }

  private RowPredicate filter(TopicDef topic, TopicSource source, TableDef table) {
    FilterKey key = new FilterKey(topic.id(), table.id(), source.where());
    RowPredicate filter = filters.get(key);
    if (filter == null && !filters.containsKey(key)) {
      try {
        filter = Expressions.predicate(table, Expressions.bindPredicate(table, source.where()));
      } catch (RuntimeException e) {
        LOG.warn(
            "The WHERE of source {} of topic {} does not compile ({}); routing nothing from it",
            table.qualifiedName(),
            topic.qualifiedName(),
            e.getClass().getSimpleName());
      }
      if (filters.size() > 10_000) {
        filters.clear();
      }
      filters.put(key, filter);
    }
    return filter;
  }

  private static TopicRecord record(RowChange change, TableDef table, TopicPayload payload) {
    boolean delete = change.kind() == RowChange.Kind.DELETE;
    byte[] row =
        switch (payload) {
          case KEY -> {
            byte[] bytes = delete ? change.oldRow() : change.newRow();
            Object[] full = RowCodec.decode(table.types(), bytes);
            int[] keys = table.primaryKeyIndexes();
            Object[] key = new Object[keys.length];
            for (int i = 0; i < keys.length; i++) {
              key[i] = full[keys[i]];
            }
            yield RowCodec.encode(table.primaryKeyTypes(), key);
          }
          case FULL -> delete ? change.oldRow() : change.newRow();
          case DIFF -> change.newRow();
        };
    byte[] oldRow = payload == TopicPayload.DIFF ? change.oldRow() : null;
    return new TopicRecord(
        change.kind(), change.tableId(), change.owner(), change.seq(), payload, row, oldRow);
  }
}
