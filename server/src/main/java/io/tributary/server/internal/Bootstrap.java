package io.tributary.server.internal;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.UserDef;
import io.tributary.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** First-start duties: the {@code root} user (role system). */
public final class Bootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);
  public static final String ROOT = "root";
  public static final String ROOT_PASSWORD_FILE = "root-password.txt";
  private static final String ALPHABET =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

  private Bootstrap() {}

  /**
   * Creates {@code root} when the catalog has no such user: with the configured password, or with a
   * generated one written once to {@code <dataDir>/root-password.txt}, readable only by its owner.
   */
  public static void ensureRoot(CatalogStore catalog, NodeEnvironment env, ServerConfig config) {
    if (catalog.catalog().user(ROOT).isPresent()) {
      return;
    }
    String password = config.rootPassword();
    if (password == null || password.isEmpty()) {
      password = generate();
      Path file = config.dataDir().resolve(ROOT_PASSWORD_FILE);
      writeOwnerOnly(file, password + "\n");
      LOG.info("Created user root; its generated password is in {}", file.toAbsolutePath());
    } else {
      LOG.info("Created user root with the password from the configuration");
    }
    UserDef root =
        new UserDef(
            Long.toString(env.nextId()),
            ROOT,
            Role.SYSTEM,
            env.hashPassword(password),
            env.nowMillis(),
            0);
    catalog.append(List.of(CatalogRecord.user(root)));
  }

  private static String generate() {
    SecureRandom random = new SecureRandom();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  private static void writeOwnerOnly(Path file, String content) {
    try {
      Files.deleteIfExists(file);
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
      Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the root password to " + file, e);
    }
  }
}
