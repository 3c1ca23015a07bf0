package io.tributary.client;

/**
 * A column of a {@link ResultSet}.
 *
 * @param name the column's name, or its alias in the query
 * @param type the Tributary type: {@code BOOLEAN}, {@code INT}, {@code BIGINT}, {@code DOUBLE},
 *     {@code DECIMAL(p,s)}, {@code TEXT}, {@code BYTES}, {@code JSON}, {@code TIMESTAMP}, {@code
 *     DATE} or {@code UUID}
 * @param nullable whether the column may hold NULL
 */
public record Column(String name, String type, boolean nullable) {}
