package io.tributary.cli;

import io.tributary.client.ConsumedRecord;

/**
 * A consumed record as one JSON line, with the fields of a CONSUME statement's rows: {@code topic},
 * {@code partition}, {@code offset}, {@code owner}, {@code operation}, {@code table}, {@code row}
 * and {@code old_row} (embedded JSON), {@code _seq}, {@code timestamp}.
 */
final class ConsumedJson {
  private ConsumedJson() {}

  static String of(ConsumedRecord r) {
    StringBuilder b = new StringBuilder("{\"topic\":");
    JsonPrinter.quote(b, r.topic());
    b.append(",\"partition\":").append(r.partition());
    b.append(",\"offset\":").append(r.offset());
    b.append(",\"owner\":");
    JsonPrinter.value(b, r.owner(), "TEXT");
    b.append(",\"operation\":");
    JsonPrinter.quote(b, r.operation());
    b.append(",\"table\":");
    JsonPrinter.quote(b, r.table());
    b.append(",\"row\":");
    JsonPrinter.value(b, r.row(), "JSON");
    b.append(",\"old_row\":");
    JsonPrinter.value(b, r.oldRow(), "JSON");
    b.append(",\"_seq\":").append(r.seq());
    b.append(",\"timestamp\":");
    JsonPrinter.value(b, r.timestamp() == null ? null : r.timestamp().toString(), "TEXT");
    return b.append('}').toString();
  }
}
