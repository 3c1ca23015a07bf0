package io.tributary.server.auth;

import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** bcrypt password hashes (BouncyCastle's OpenBSD bcrypt, version 2b). Thread-safe. */
public final class Passwords {
  /** bcrypt cost factor: 2^10 rounds, about 50-100 ms on one core here. */
  public static final int COST = 10;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Passwords() {}

  public static String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return OpenBSDBCrypt.generate("2b", password.toCharArray(), salt, COST);
  }

  /** True when the password matches the hash; false for a malformed hash. */
  public static boolean matches(String password, String hash) {
    try {
      return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
