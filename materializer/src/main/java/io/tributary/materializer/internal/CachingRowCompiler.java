package io.tributary.materializer.internal;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.expr.BoundExpression;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A bounded least-recently-used cache in front of a {@link RowCompiler}, keyed by table id and the
 * expression: the encoding of a bound expression ({@link CommandCodec#encode(BoundExpression)}), or
 * the SQL text of an older command. A table id always names the same schema (tables are never
 * altered in place), so an entry never goes stale. Failed compilations are not cached. Thread-safe.
 */
final class CachingRowCompiler implements RowCompiler {
  static final int DEFAULT_CAPACITY = 4096;

  /**
   * {@code source} is the SQL text (a String) or the bound expression's encoding (a ByteBuffer).
   */
  private record Key(long tableId, Object source, String targetColumn, ColumnType target) {}

  private final RowCompiler delegate;
  private final Map<Key, Object> cache;

  CachingRowCompiler(RowCompiler delegate, int capacity) {
    this.delegate = delegate;
    this.cache =
        new LinkedHashMap<>(64, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, Object> eldest) {
            return size() > capacity;
          }
        };
  }

  @Override
  @SuppressWarnings("unchecked")
  public Predicate<Object[]> predicate(TableDef table, String whereSql) {
    Key key = new Key(table.id(), whereSql, null, null);
    Object cached = get(key);
    if (cached != null) {
      return (Predicate<Object[]>) cached;
    }
    Predicate<Object[]> compiled = delegate.predicate(table, whereSql);
    put(key, compiled);
    return compiled;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Function<Object[], Object> expression(
      TableDef table, String exprSql, ColumnType target, String targetColumn) {
    Key key = new Key(table.id(), exprSql, targetColumn, target);
    Object cached = get(key);
    if (cached != null) {
      return (Function<Object[], Object>) cached;
    }
    Function<Object[], Object> compiled = delegate.expression(table, exprSql, target, targetColumn);
    put(key, compiled);
    return compiled;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Predicate<Object[]> predicate(TableDef table, BoundExpression where) {
    Key key = new Key(table.id(), ByteBuffer.wrap(CommandCodec.encode(where)), null, null);
    Object cached = get(key);
    if (cached != null) {
      return (Predicate<Object[]>) cached;
    }
    Predicate<Object[]> compiled = delegate.predicate(table, where);
    put(key, compiled);
    return compiled;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Function<Object[], Object> expression(
      TableDef table, BoundExpression expr, ColumnType target, String targetColumn) {
    Key key = new Key(table.id(), ByteBuffer.wrap(CommandCodec.encode(expr)), targetColumn, target);
    Object cached = get(key);
    if (cached != null) {
      return (Function<Object[], Object>) cached;
    }
    Function<Object[], Object> compiled = delegate.expression(table, expr, target, targetColumn);
    put(key, compiled);
    return compiled;
  }

  synchronized int size() {
    return cache.size();
  }

  private synchronized Object get(Key key) {
    return cache.get(key);
  }

  private synchronized void put(Key key, Object value) {
    cache.put(key, value);
  }
}
