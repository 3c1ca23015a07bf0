package io.tributary.query.policy;

import java.util.Set;

/**
 * Who is a member of what, as one reader sees it: the values a members table lists for a user. The
 * server answers from the hot tier (for statements), the live hub from the membership it keeps up
 * to date in log order (for subscriptions). Implementations are thread-safe.
 */
public interface MembershipView {
  /**
   * The values of {@code m.valueColumn()} in the rows of {@code m.members()} whose {@code
   * m.userColumn()} is {@code user}: never null, not to be modified.
   */
  Set<Object> values(Membership m, String user);

  /** Whether {@code user} is a member of {@code value}. */
  default boolean contains(Membership m, String user, Object value) {
    return value != null && values(m, user).contains(value);
  }

  /** A view in which nobody is a member of anything. */
  MembershipView NONE = (m, user) -> Set.of();
}
