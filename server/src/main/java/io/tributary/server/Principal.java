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
public record Principal(String userId, String user, Role role, long credentialVersion) {}
