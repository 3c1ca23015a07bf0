package io.tributary.source.internal;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.SourceDef;
import io.tributary.query.catalog.TableDef;
import java.util.ArrayList;
import java.util.List;

/**
 * A mapped table as one replication stream sees it: which source columns (by position in the source
 * row) feed which Tributary columns, which carry the key, and which names the owner.
 */
final class Mapping {
  final SourceDef.SourceTable table;
  final TableDef target;
  final List<String> columns = new ArrayList<>();
  final List<Integer> positions = new ArrayList<>();
  final List<Integer> oids = new ArrayList<>();
  final List<String> keys = new ArrayList<>();
  final List<Integer> keyPositions = new ArrayList<>();
  final List<Integer> keyOids = new ArrayList<>();
  final int ownerPosition;

  /**
   * @param sourceColumns the source table's column names, in the order its rows carry them
   * @param sourceOids the type OID of each
   */
  Mapping(
      SourceDef.SourceTable table,
      TableDef target,
      List<String> sourceColumns,
      List<Integer> sourceOids) {
    this.table = table;
    this.target = target;
    for (ColumnDef c : target.columns()) {
      int at = sourceColumns.indexOf(c.name());
      if (at >= 0) {
        columns.add(c.name());
        positions.add(at);
        oids.add(sourceOids.get(at));
      }
    }
    for (String k : target.primaryKey()) {
      int at = sourceColumns.indexOf(k);
      keys.add(k);
      keyPositions.add(at);
      keyOids.add(at < 0 ? 0 : sourceOids.get(at));
    }
    this.ownerPosition =
        table.ownerColumn() == null ? -1 : sourceColumns.indexOf(table.ownerColumn());
  }

  /** The parameter values of the mapped columns of a source row in text form. */
  List<Object> values(List<String> row) {
    List<Object> out = new ArrayList<>(positions.size());
    for (int i = 0; i < positions.size(); i++) {
      out.add(PgTypes.value(oids.get(i), row.get(positions.get(i))));
    }
    return out;
  }

  List<Object> keyValues(List<String> row) {
    List<Object> out = new ArrayList<>(keyPositions.size());
    for (int i = 0; i < keyPositions.size(); i++) {
      out.add(PgTypes.value(keyOids.get(i), row.get(keyPositions.get(i))));
    }
    return out;
  }

  /** The owner's name in a source row (null for a SHARED table or a NULL owner). */
  String owner(List<String> row) {
    return ownerPosition < 0 ? null : row.get(ownerPosition);
  }

  boolean hasKey(List<String> row) {
    for (int p : keyPositions) {
      if (p < 0 || row.get(p) == null || row.get(p) == PgOutput.UNCHANGED) {
        return false;
      }
    }
    return true;
  }
}
