package io.tributary.query.policy;

import io.tributary.query.catalog.TableDef;

/**
 * The membership term of a row-level policy, {@code rowColumn IN (SELECT valueColumn FROM members
 * WHERE userColumn = CURRENT_USER())}: a row is visible to a user when its {@code rowColumn} holds
 * one of the values the members table lists for that user. Column numbers index the columns of
 * their tables. Two policies (of any tables) that read the same members table, value and user
 * columns share one membership ({@link #sameMembers}), which the live index keeps once.
 *
 * @param members the members table (a SHARED table)
 * @param valueColumn the column of {@code members} whose values a member may see
 * @param userColumn the column of {@code members} that names the member (TEXT)
 * @param rowColumn the column of the policed table compared with those values
 */
public record Membership(TableDef members, int valueColumn, int userColumn, int rowColumn) {

  /** The part of a membership that does not depend on the policed table. */
  public record Key(long membersTableId, int valueColumn, int userColumn) {}

  public Key key() {
    return new Key(members.id(), valueColumn, userColumn);
  }

  /** Whether two memberships list the same values for every user. */
  public boolean sameMembers(Membership other) {
    return key().equals(other.key());
  }
}
