package io.tributary.server;

import io.tributary.query.catalog.Role;

/**
 * An authenticated caller: the account a token was issued to.
 *
 * @param userId the account's immutable id ({@link io.tributary.query.catalog.UserDef#id()}): what
 *     the caller's rows, streams and subscriptions are bound to
 * @param user the account's name, for display
 * @param role the account's role when the token was issued (statements use the current one)
 * @param credentialVersion the account's credential version when the token was issued; the token is
 *     refused once a password change has moved the account past it
 */
public record Principal(String userId, String user, Role role, long credentialVersion) {

  /**
   * The principal of a legacy account, whose id is its name (see {@link
   * io.tributary.query.catalog.UserDef}), at credential version 0.
   */
  public Principal(String user, Role role) {
    this(user, user, role, 0);
  }
}
