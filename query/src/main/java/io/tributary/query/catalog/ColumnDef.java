package io.tributary.query.catalog;

/**
 * A column of a table.
 *
 * @param defaultValue the default, or null when the column has none (then it defaults to NULL)
 */
public record ColumnDef(
    String name, ColumnType type, boolean nullable, DefaultValue defaultValue) {}
