package io.tributary.query.catalog;

/** A namespace: a named group of tables. */
public record NamespaceDef(String name, long createdAtMillis) {}
