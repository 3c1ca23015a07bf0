package io.tributary.query.exec;

import java.util.List;

/**
 * Every version of one key range of the hot tier (live rows and tombstones, see {@link RowVersion})
 * and the range's high-water mark, read from one point-in-time view: what a read that merges the
 * hot and cold tiers ({@link TierMerge}) needs to know where its view ends.
 *
 * @param versions the range's versions, in primary key order
 * @param highWater the range's high-water mark as {@link HotCursor#highWater()} defines it
 */
public record HotVersions(List<RowVersion> versions, long highWater) {}
