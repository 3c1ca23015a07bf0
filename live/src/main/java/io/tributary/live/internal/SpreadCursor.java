package io.tributary.live.internal;

import io.tributary.query.exec.HotCursor;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The snapshot of a live query over every partition of a partitioned SHARED table: the rows of one
 * cursor per partition (each view taken when the hot tier opened them), one partition after the
 * other, with each partition's high-water mark ({@link #highWaters}). There is no one high-water
 * mark: {@link #highWater} is -1. Not thread-safe; closes every cursor.
 */
final class SpreadCursor implements HotCursor {
  private final List<HotCursor> partitions;
  private final long[] highWaters;
  private int current;

  /**
   * @param partitions the cursors, indexed by partition
   */
  SpreadCursor(List<HotCursor> partitions) {
    this.partitions = partitions;
    this.highWaters = new long[partitions.size()];
  }

  @Override
  public boolean hasNext() {
    while (current < partitions.size()) {
      HotCursor cursor = partitions.get(current);
      if (cursor.hasNext()) {
        return true;
      }
      highWaters[current] = cursor.highWater();
      current++;
    }
    return false;
  }

  @Override
  public Object[] next() {
    if (!hasNext()) {
      throw new NoSuchElementException("Cannot read past the last row of the last partition");
    }
    return partitions.get(current).next();
  }

  /** Each partition's high-water mark, indexed by partition; final once hasNext returned false. */
  long[] highWaters() {
    hasNext();
    return highWaters.clone();
  }

  @Override
  public long highWater() {
    return -1;
  }

  @Override
  public void close() {
    RuntimeException failure = null;
    for (HotCursor cursor : partitions) {
      try {
        cursor.close();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
