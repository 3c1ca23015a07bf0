package io.tributary.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Role;
import io.tributary.server.Principal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenServiceTest {
  private static final Duration TTL = Duration.ofHours(1);
  private static final Principal ALICE = new Principal("251410319430123520", "alice", Role.USER, 3);

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-02T03:04:05.678Z"));

  @Test
  void shouldWriteOwnerOnlyKeyAndReuseItSoTokensSurviveRestart() throws Exception {
    TokenService first = new TokenService(dir, TTL, clock);
    Path key = dir.resolve(TokenService.KEY_FILE);
    byte[] written = Files.readAllBytes(key);

    TokenService.IssuedToken token = first.issue(ALICE);
    TokenService second = new TokenService(dir, TTL, clock);

    assertThat(written).hasSize(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(Files.readAllBytes(key)).isEqualTo(written);
    assertThat(second.verify(token.token())).isEqualTo(ALICE);
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(key);
    }
  }

  @Test
  void shouldCreateTheDataDirectoryWhenMissing() {
    TokenService tokens = new TokenService(dir.resolve("a/b"), TTL, clock);

    assertThat(dir.resolve("a/b").resolve(TokenService.KEY_FILE)).exists();
    assertThat(tokens.verify(tokens.issue(ALICE).token())).isEqualTo(ALICE);
  }

  @Test
  void shouldCarryAccountIdNameRoleCredentialVersionIssuerAndExpiryTruncatedToSeconds() {
    TokenService tokens = new TokenService(dir, TTL, clock);
    Principal root = new Principal("7", "root", Role.SYSTEM, 2);

    TokenService.IssuedToken token = tokens.issue(root);
    String payload =
        new String(
            Base64.getUrlDecoder().decode(token.token().split("\\.")[1]), StandardCharsets.UTF_8);

    assertThat(token.expiresAt()).isEqualTo(Instant.parse("2026-01-02T04:04:05Z"));
    assertThat(payload)
        .contains(
            "\"sub\":\"7\"",
            "\"name\":\"root\"",
            "\"role\":\"system\"",
            "\"cv\":2",
            "\"iss\":\"tributary\"")
        .contains("\"exp\":" + token.expiresAt().getEpochSecond())
        .contains("\"iat\":" + Instant.parse("2026-01-02T03:04:05Z").getEpochSecond());
    assertThat(tokens.verify(token.token())).isEqualTo(root);
  }

  @Test
  void shouldRejectATokenOfAnEarlierVersionThatNamesNoAccount() throws Exception {
    TokenService tokens = new TokenService(dir, TTL, clock);
    // What earlier versions issued: the user name as subject, a role, no account id claims.
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(TokenService.ISSUER)
            .subject("alice")
            .claim("role", "user")
            .issueTime(Date.from(clock.instant()))
            .expirationTime(Date.from(clock.instant().plus(TTL)))
            .build();
    SignedJWT legacy = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    legacy.sign(new MACSigner(Files.readAllBytes(dir.resolve(TokenService.KEY_FILE))));

    assertInvalid(tokens, legacy.serialize());
  }

  @Test
  void shouldRejectTokenOnceExpired() {
    TokenService tokens = new TokenService(dir, TTL, clock);
    String token = tokens.issue(ALICE).token();

    clock.advance(TTL.minusSeconds(2));
    assertThat(tokens.verify(token)).isEqualTo(ALICE);
    clock.advance(Duration.ofSeconds(2));

    assertThatThrownBy(() -> tokens.verify(token))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
        .hasMessage("Cannot authenticate: token expired");
  }

  @Test
  void shouldRejectTokenWhosePayloadWasTampered() {
    TokenService tokens = new TokenService(dir, TTL, clock);
    String[] parts = tokens.issue(ALICE).token().split("\\.");
    String payload =
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("\"role\":\"user\"", "\"role\":\"system\"");
    String forged =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];

    assertThat(payload).contains("\"role\":\"system\"");
    assertInvalid(tokens, forged);
  }

  @Test
  void shouldRejectTokenWithAlteredSignature() {
    TokenService tokens = new TokenService(dir, TTL, clock);
    String token = tokens.issue(ALICE).token();
    char last = token.charAt(token.length() - 2);
    String altered =
        token.substring(0, token.length() - 2)
            + (last == 'A' ? 'B' : 'A')
            + token.charAt(token.length() - 1);

    assertInvalid(tokens, altered);
  }

  @Test
  void shouldRejectTokenSignedWithAnotherKey() {
    TokenService ours = new TokenService(dir.resolve("ours"), TTL, clock);
    TokenService theirs = new TokenService(dir.resolve("theirs"), TTL, clock);

    assertInvalid(ours, theirs.issue(ALICE).token());
  }

  @Test
  void shouldRejectUnsignedAndMalformedTokens() {
    TokenService tokens = new TokenService(dir, TTL, clock);
    String[] parts = tokens.issue(ALICE).token().split("\\.");
    String none =
        Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[1]
            + ".";

    assertInvalid(tokens, none);
    assertInvalid(tokens, "not-a-token");
    assertInvalid(tokens, "");
  }

  @Test
  void shouldRefuseKeyFileOfWrongLength() throws Exception {
    Files.write(dir.resolve(TokenService.KEY_FILE), new byte[] {1, 2, 3});

    assertThatThrownBy(() -> new TokenService(dir, TTL, clock))
        .isInstanceOf(TributaryException.class)
        .hasMessageStartingWith("Cannot read token key ")
        .hasMessageContaining("expected 32 bytes, found 3");
  }

  @Test
  void shouldRefuseNonPositiveTtl() {
    assertThatThrownBy(() -> new TokenService(dir, Duration.ZERO, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot issue tokens: ttl must be positive, was PT0S");
  }

  private static void assertInvalid(TokenService tokens, String token) {
    assertThatThrownBy(() -> tokens.verify(token))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
        .hasMessage("Cannot authenticate: invalid token");
  }
}
