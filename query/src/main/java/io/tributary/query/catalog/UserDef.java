package io.tributary.query.catalog;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Objects;

/**
 * An account. The password hash is a bcrypt hash; it never leaves the server (system.users omits
 * it).
 *
 * <p>The {@code id} is what rows, tokens and live subscriptions are bound to: the owner of the
 * account's rows of USER and STREAM tables, the subject of its tokens. It is assigned once, by the
 * node that accepts CREATE USER, never changes and is never reused, so dropping a user and creating
 * another with the same name makes a different account that sees none of the old one's rows. The
 * {@code name} is for display and for logging in. Records written before accounts had ids have
 * none: such a legacy account's id is its name, so that its rows, stored under the name, stay
 * reachable.
 *
 * @param id the immutable account id; null means a legacy account, whose id is its name
 * @param credentialVersion grows by one with every password change; a token carries the version it
 *     was issued under and is refused once the account's version is larger
 */
public record UserDef(
    String id,
    String name,
    Role role,
    String passwordHash,
    long createdAtMillis,
    long credentialVersion) {

  @JsonCreator
  public UserDef {
    Objects.requireNonNull(name, "name");
    if (id == null || id.isEmpty()) {
      id = name;
    }
  }

  /** A legacy account: its id is its name and its credential version 0. */
  public UserDef(String name, Role role, String passwordHash, long createdAtMillis) {
    this(name, name, role, passwordHash, createdAtMillis, 0);
  }

  /** This account with a new password hash and the next credential version. */
  public UserDef withPassword(String newPasswordHash) {
    return new UserDef(id, name, role, newPasswordHash, createdAtMillis, credentialVersion + 1);
  }

  /** This account with another role; its tokens stay valid (the role is read on every call). */
  public UserDef withRole(Role newRole) {
    return new UserDef(id, name, newRole, passwordHash, createdAtMillis, credentialVersion);
  }

  @Override
  public String toString() {
    return "UserDef[id=" + id + ", name=" + name + ", role=" + role + "]";
  }
}
