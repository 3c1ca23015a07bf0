package io.tributary.query.exec;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.RowCodec;
import io.tributary.query.expr.RowPredicate;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Merges the hot and the cold versions of one table's rows into the rows a query sees (DESIGN.md
 * section 7): for each primary key (per owner) the version with the newest {@code _seq} wins, and a
 * winning tombstone hides the key. A pure function of its inputs; no tier is read here.
 *
 * <p>The inputs are keyed, not ordered: the hot versions (small: what has not been flushed) are
 * indexed by key, then the cold versions stream through and each is kept only when no newer hot
 * version of its key exists. The cold input must hold at most one version per key (the cold tier's
 * invariant, {@link ColdTier}); the hot input may hold several (the newest counts).
 */
public final class TierMerge {
  private TierMerge() {}

  /**
   * The visible rows (values followed by {@code _seq}) of the merged tiers, lazily: the cold
   * winners in the cold input's order, then the hot winners in the hot input's order.
   *
   * @param hot every hot version of the range read, tombstones included, <b>unfiltered</b>: a newer
   *     hot version that fails {@code where} must still hide an older cold version that passes it
   * @param cold the cold versions, already filtered by {@code where} (as {@link ColdTier#scan}
   *     returns them)
   * @param where applied to the hot winners; null for no filter
   */
  public static Iterator<Object[]> merge(
      TableDef table, Iterable<RowVersion> hot, Iterator<RowVersion> cold, RowPredicate where) {
    Keys keys = new Keys(table);
    Map<Key, RowVersion> newestHot = new LinkedHashMap<>();
    for (RowVersion v : hot) {
      newestHot.merge(keys.of(v), v, (a, b) -> b.seq() > a.seq() ? b : a);
    }
    return new Merged(keys, newestHot, cold, where);
  }

  /** Convenience for tests and small reads: the merged rows in a list. */
  public static List<Object[]> mergeToList(
      TableDef table, Iterable<RowVersion> hot, Iterator<RowVersion> cold, RowPredicate where) {
    java.util.ArrayList<Object[]> out = new java.util.ArrayList<>();
    merge(table, hot, cold, where).forEachRemaining(out::add);
    return out;
  }

  private static final class Merged implements Iterator<Object[]> {
    private final Keys keys;
    private final Map<Key, RowVersion> newestHot;
    private final Iterator<RowVersion> cold;
    private final RowPredicate where;
    private Iterator<RowVersion> hotLeft;
    private Object[] next;

    Merged(Keys keys, Map<Key, RowVersion> newestHot, Iterator<RowVersion> cold, RowPredicate w) {
      this.keys = keys;
      this.newestHot = newestHot;
      this.cold = cold;
      this.where = w;
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (cold.hasNext()) {
          RowVersion c = cold.next();
          Key key = keys.of(c);
          RowVersion h = newestHot.get(key);
          if (h != null && h.seq() >= c.seq()) {
            continue; // the hot version is newer: it wins (or hides the key) later
          }
          if (h != null) {
            newestHot.remove(key); // an older hot version than the cold one never shows
          }
          if (!c.deleted()) {
            next = c.row();
          }
          continue;
        }
        if (hotLeft == null) {
          hotLeft = newestHot.values().iterator();
        }
        if (!hotLeft.hasNext()) {
          return false;
        }
        RowVersion h = hotLeft.next();
        if (!h.deleted() && (where == null || where.test(h.row()))) {
          next = h.row();
        }
      }
      return true;
    }

    @Override
    public Object[] next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Object[] row = next;
      next = null;
      return row;
    }
  }

  /** Encodes an owner and a primary key into a map key, equal for equal values. */
  private static final class Keys {
    private final int[] pk;
    private final List<ColumnType> pkTypes;

    Keys(TableDef table) {
      this.pk = table.primaryKeyIndexes();
      this.pkTypes = table.primaryKeyTypes();
    }

    Key of(RowVersion v) {
      Object[] values = new Object[pk.length];
      for (int i = 0; i < pk.length; i++) {
        values[i] = v.row()[pk[i]];
      }
      return new Key(v.owner(), RowCodec.encode(pkTypes, values));
    }
  }

  private record Key(String owner, byte[] pk) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && java.util.Objects.equals(owner, k.owner)
          && Arrays.equals(pk, k.pk);
    }

    @Override
    public int hashCode() {
      return 31 * java.util.Objects.hashCode(owner) + Arrays.hashCode(pk);
    }
  }
}
