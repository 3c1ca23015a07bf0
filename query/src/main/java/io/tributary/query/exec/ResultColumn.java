package io.tributary.query.exec;

import io.tributary.query.catalog.ColumnType;

/** A column of a query result. */
public record ResultColumn(String name, ColumnType type, boolean nullable) {}
