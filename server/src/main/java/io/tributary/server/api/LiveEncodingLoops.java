package io.tributary.server.api;

import io.tributary.api.v1.Row;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.catalog.TableDef;
import java.util.ArrayList;
import java.util.List;

/**
 * The live path's encoding loop, opened for the JMH micro-benchmarks in {@code benchmarks/} and for
 * nothing else: a change's events encoded once per projection ({@link #encodeInsertOnce}, {@link
 * EncodedChange}) as {@link ProtoEventEncoder} builds them for the live module. Not an API: the
 * types behind it stay package-private, and it may change with them.
 */
public final class LiveEncodingLoops {
  private LiveEncodingLoops() {}

  /** The field every event of subscription {@code id} starts with. */
  public static byte[] idField(String id) {
    return new ProtoEventEncoder().subscriptionHead(id);
  }

  /**
   * An inserted row's events for every subscription whose id field is in {@code idFields}, all with
   * the projection {@code columns}, as the hub builds them: the insert field encoded once, each
   * event that subscription's id field followed by those same bytes, the events written into one
   * {@code LiveEventBatch}.
   *
   * @return the events' serialized bytes (without the batch's framing)
   */
  public static long encodeInsertOnce(
      AppliedChange change, List<Integer> columns, byte[][] idFields) {
    byte[] body = new EncodedChange(change).insert(columns, change.newRow());
    List<EventBytes> events = new ArrayList<>(idFields.length);
    long bytes = 0;
    for (byte[] idField : idFields) {
      EventBytes event = new EventBytes(idField, body);
      events.add(event);
      bytes += event.size();
    }
    return EncodedBatch.of(events).bytes().length > 0 ? bytes : -1;
  }

  /**
   * The wire form of a row, as every event carries it: the values of {@code columns}, then _seq.
   */
  public static Row row(TableDef table, List<Integer> columns, Object[] values) {
    return EncodedChange.row(table, columns, values);
  }
}
