package io.tributary.query.catalog;

/**
 * A user. The password hash is a bcrypt hash; it never leaves the server (system.users omits it).
 */
public record UserDef(String name, Role role, String passwordHash, long createdAtMillis) {
  @Override
  public String toString() {
    return "UserDef[name=" + name + ", role=" + role + "]";
  }
}
