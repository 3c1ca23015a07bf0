package io.tributary.query.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * User records of the catalog topic: accounts with ids, and the id-less ones of earlier versions.
 */
class UserRecordTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldDecodeAnIdLessRecordOfAnEarlierVersionAsALegacyAccountWhoseIdIsItsName() {
    // Exactly what earlier versions wrote for CREATE USER 'gdpr1' ... ROLE service.
    byte[] value =
        utf8(
            "{\"version\":1,\"value\":{\"name\":\"gdpr1\",\"role\":\"SERVICE\","
                + "\"passwordHash\":\"$2a$10$abc\",\"createdAtMillis\":1767225600000}}");

    CatalogRecord record = CatalogRecord.decode(utf8("user/gdpr1"), value);

    assertThat(record.kind()).isEqualTo(CatalogRecord.Kind.USER);
    UserDef user = (UserDef) record.value();
    assertThat(user.id()).isEqualTo("gdpr1");
    assertThat(user.name()).isEqualTo("gdpr1");
    assertThat(user.role()).isEqualTo(Role.SERVICE);
    assertThat(user.passwordHash()).isEqualTo("$2a$10$abc");
    assertThat(user.createdAtMillis()).isEqualTo(1767225600000L);
    assertThat(user.credentialVersion()).isZero();
  }

  @Test
  void shouldRoundTripAnAccountWithItsIdAndCredentialVersion() {
    UserDef user = new UserDef("251410319430123520", "gdpr1", Role.USER, "$2a$10$abc", 5, 3);

    CatalogRecord record = CatalogRecord.user(user);
    CatalogRecord decoded = CatalogRecord.decode(record.key(), record.encodeValue());

    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("user/gdpr1");
    assertThat(decoded.value()).isEqualTo(user);
    assertThat(new String(record.encodeValue(), StandardCharsets.UTF_8))
        .contains("\"id\":\"251410319430123520\"", "\"credentialVersion\":3");
  }

  @Test
  void shouldFindAnAccountByIdOnlyWhileItHoldsItsName() {
    CatalogState catalog = new CatalogState();
    UserDef old = new UserDef("1", "gdpr1", Role.USER, "h", 0, 0);
    UserDef renewed = new UserDef("2", "gdpr1", Role.USER, "h", 0, 0);

    catalog.apply(CatalogRecord.user(old));
    assertThat(catalog.userById("1")).contains(old);

    catalog.apply(CatalogRecord.tombstone(CatalogRecord.Kind.USER, "gdpr1"));
    assertThat(catalog.userById("1")).isEmpty();
    assertThat(catalog.user("gdpr1")).isEmpty();

    catalog.apply(CatalogRecord.user(renewed));
    assertThat(catalog.userById("1")).isEmpty();
    assertThat(catalog.userById("2")).contains(renewed);
    assertThat(catalog.user("gdpr1")).contains(renewed);
  }

  @Test
  void shouldForgetTheOldIdWhenACompactedTopicHoldsOnlyTheRecreatedAccount() {
    CatalogState catalog = new CatalogState();
    catalog.apply(CatalogRecord.user(new UserDef("1", "gdpr1", Role.USER, "h", 0, 0)));

    // Compaction may have removed the tombstone between the two records.
    catalog.apply(CatalogRecord.user(new UserDef("2", "gdpr1", Role.USER, "h", 0, 0)));

    assertThat(catalog.userById("1")).isEmpty();
    assertThat(catalog.userById("2")).isPresent();
    assertThat(catalog.users()).hasSize(1);
  }

  @Test
  void shouldKeepTheIdWhenThePasswordChanges() {
    UserDef user = new UserDef("7", "gdpr1", Role.USER, "old", 0, 0);

    UserDef changed = user.withPassword("new");

    assertThat(changed.id()).isEqualTo("7");
    assertThat(changed.passwordHash()).isEqualTo("new");
    assertThat(changed.credentialVersion()).isEqualTo(1);
  }
}
