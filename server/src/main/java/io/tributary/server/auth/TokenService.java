package io.tributary.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Role;
import io.tributary.server.Principal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issues and verifies login tokens: HS256-signed JWTs with the account's id as subject, {@code
 * name}, {@code role} and {@code cv} (credential version) claims, issuer {@value #ISSUER},
 * issued-at and expiry.
 *
 * <p>Verifying a token checks only what the token says of itself (signature, issuer, expiry): that
 * its account still exists and has not changed its password since is for the caller to check
 * against the catalog ({@link io.tributary.server.StatementRunner#revalidate}). Tokens of earlier
 * versions, which named the user instead of an account id, are invalid: their holders log in again.
 *
 * <p>The 256-bit signing key lives in {@code <dataDir>/}{@value #KEY_FILE}. The first construction
 * generates it with {@link SecureRandom} and writes it readable by the owner only; later ones reuse
 * it, so tokens survive restarts. Anyone who can read the file can mint tokens for any user;
 * deleting it invalidates every outstanding token.
 *
 * <p>Thread-safe. Time comes from the injected {@link Clock}; JWT times have a resolution of one
 * second, so expiries are truncated to whole seconds.
 */
public final class TokenService {
  public static final String KEY_FILE = "token.key";
  public static final String ISSUER = "tributary";
  static final String ROLE_CLAIM = "role";
  static final String NAME_CLAIM = "name";
  static final String CREDENTIAL_VERSION_CLAIM = "cv";
  private static final int KEY_BYTES = 32;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** How many verified tokens are remembered (see {@link #verify}). */
  private static final int MAX_VERIFIED = 10_000;

  private record Verified(Principal principal, Instant expiry) {}

  /**
   * Tokens already verified, so that a client's every call does not parse and check the signature
   * again: a token is immutable and signed by us, so until its expiry the answer cannot change.
   */
  private final Map<String, Verified> verified = new ConcurrentHashMap<>();

  private final MACSigner signer;
  private final MACVerifier verifier;
  private final Duration ttl;
  private final Clock clock;

  /** A signed token and the instant it stops being accepted. */
  public record IssuedToken(String token, Instant expiresAt) {}

  /**
   * Loads the signing key from {@code dataDir}, generating and writing it on first use.
   *
   * @param ttl how long an issued token stays valid; must be positive
   * @throws UncheckedIOException when the key cannot be read or written
   * @throws TributaryException INTERNAL when an existing key file is not a 256-bit key
   */
  public TokenService(Path dataDir, Duration ttl, Clock clock) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("Cannot issue tokens: ttl must be positive, was " + ttl);
    }
    byte[] key = loadOrCreateKey(dataDir.resolve(KEY_FILE));
    try {
      this.signer = new MACSigner(key);
      this.verifier = new MACVerifier(key);
    } catch (JOSEException e) {
      throw new IllegalStateException("Cannot use token key: " + e.getMessage(), e);
    }
    this.ttl = ttl;
    this.clock = clock;
  }

  /** Signs a token for the principal, valid from now for the configured ttl. */
  public IssuedToken issue(Principal principal) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant expiresAt = now.plus(ttl).truncatedTo(ChronoUnit.SECONDS);
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject(principal.userId())
            .claim(NAME_CLAIM, principal.user())
            .claim(ROLE_CLAIM, principal.role().sqlName())
            .claim(CREDENTIAL_VERSION_CLAIM, principal.credentialVersion())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(expiresAt))
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("Cannot sign token: " + e.getMessage(), e);
    }
    return new IssuedToken(jwt.serialize(), expiresAt);
  }

  /**
   * Checks a token's signature, issuer and expiry.
   *
   * @return the principal the token was issued to, with the role and credential version it had at
   *     issue time
   * @throws TributaryException UNAUTHENTICATED, "Cannot authenticate: token expired" or "Cannot
   *     authenticate: invalid token"
   */
  public Principal verify(String token) {
    Verified known = verified.get(token);
    if (known != null) {
      if (clock.instant().isBefore(known.expiry())) {
        return known.principal();
      }
      verified.remove(token);
    }
    Verified fresh = verifyNow(token);
    if (verified.size() >= MAX_VERIFIED) {
      verified.clear(); // crude but bounded: the live tokens come back on their next call
    }
    verified.put(token, fresh);
    return fresh.principal();
  }

  private Verified verifyNow(String token) {
    JWTClaimsSet claims;
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
        throw invalid();
      }
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException | JOSEException | IllegalStateException e) {
      throw invalid();
    }
    Date expiry = claims.getExpirationTime();
    String userId = claims.getSubject();
    Object name = claims.getClaim(NAME_CLAIM);
    Object role = claims.getClaim(ROLE_CLAIM);
    Object version = claims.getClaim(CREDENTIAL_VERSION_CLAIM);
    if (!ISSUER.equals(claims.getIssuer())
        || expiry == null
        || userId == null
        || userId.isEmpty()
        || !(name instanceof String userName)
        || userName.isEmpty()
        || !(role instanceof String roleName)
        || !(version instanceof Long || version instanceof Integer)) {
      throw invalid();
    }
    long credentialVersion = ((Number) version).longValue();
    if (!clock.instant().isBefore(expiry.toInstant())) {
      throw new TributaryException(ErrorCode.UNAUTHENTICATED, "Cannot authenticate: token expired");
    }
    try {
      return new Verified(
          new Principal(userId, userName, Role.parse(roleName), credentialVersion),
          expiry.toInstant());
    } catch (TributaryException e) {
      throw invalid();
    }
  }

  private static TributaryException invalid() {
    return new TributaryException(ErrorCode.UNAUTHENTICATED, "Cannot authenticate: invalid token");
  }

  private static byte[] loadOrCreateKey(Path file) {
    try {
      if (!Files.exists(file)) {
        writeNewKey(file);
      }
      byte[] key = Files.readAllBytes(file);
      if (key.length != KEY_BYTES) {
        throw TributaryException.of(
            ErrorCode.INTERNAL,
            "Cannot read token key %s: expected %d bytes, found %d (delete it to generate a new"
                + " key; outstanding tokens become invalid)",
            file,
            KEY_BYTES,
            key.length);
      }
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read token key " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the key to a private temporary file, then renames it into place. */
  private static void writeNewKey(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    Path tmp;
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      tmp =
          Files.createTempFile(
              dir, KEY_FILE, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } else {
      tmp = Files.createTempFile(dir, KEY_FILE, ".tmp");
    }
    try {
      Files.write(tmp, key);
      // One server owns a data directory, so there is no concurrent writer to race with; the
      // rename only guarantees that a crash never leaves a partial key behind.
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
