package io.tributary.query.exec;

import java.util.List;

/** The rows a query returned, each holding canonical values in column order. */
public record QueryResult(List<ResultColumn> columns, List<Object[]> rows) {}
