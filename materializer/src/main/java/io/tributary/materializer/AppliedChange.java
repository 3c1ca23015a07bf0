package io.tributary.materializer;

import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.RowChange;

/**
 * One applied row change, decoded. Rows hold canonical values followed by their {@code _seq}
 * (DESIGN.md section 3): {@code oldRow} the version before (update, delete), {@code newRow} the
 * version after (insert, update).
 *
 * @param owner the user whose range changed (USER and STREAM tables), or null (SHARED tables)
 * @param partition the write topic partition the command came from
 */
public record AppliedChange(
    RowChange.Kind kind,
    TableDef table,
    String owner,
    long seq,
    Object[] oldRow,
    Object[] newRow,
    int partition) {}
