package io.tributary.query.exec;

import java.util.List;

/**
 * A consistent read of one key range (a user's rows of a USER table, or a SHARED table) of the hot
 * tier.
 *
 * @param rows the rows, canonical values followed by {@code _seq}, in primary key order
 * @param highWater the {@code _seq} of the last change applied to the range when it was read (-1 if
 *     the range never changed): every change with a larger {@code _seq} is missing from {@code
 *     rows}, every change with a smaller or equal one is in it
 */
public record HotSnapshot(List<Object[]> rows, long highWater) {}
