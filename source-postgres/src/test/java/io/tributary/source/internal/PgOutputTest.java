package io.tributary.source.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The pgoutput decoder on messages built byte by byte, and the type mapping. */
class PgOutputTest {

  private static ByteBuffer message(IoConsumer body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    body.accept(out);
    // a buffer that does not start at 0, as the driver's may not
    byte[] raw = bytes.toByteArray();
    byte[] padded = new byte[raw.length + 3];
    System.arraycopy(raw, 0, padded, 3, raw.length);
    return ByteBuffer.wrap(padded, 3, raw.length).slice();
  }

  interface IoConsumer {
    void accept(DataOutputStream out) throws IOException;
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.write(0);
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write('t');
    out.writeInt(b.length);
    out.write(b);
  }

  @Test
  void shouldDecodeRelationBeginChangesAndCommit() throws IOException {
    PgOutput.Relation r =
        (PgOutput.Relation)
            PgOutput.decode(
                message(
                    out -> {
                      out.write('R');
                      out.writeInt(16384);
                      string(out, "public");
                      string(out, "messages");
                      out.write('f');
                      out.writeShort(2);
                      out.write(1);
                      string(out, "id");
                      out.writeInt(20);
                      out.writeInt(-1);
                      out.write(0);
                      string(out, "body");
                      out.writeInt(25);
                      out.writeInt(-1);
                    }));
    assertThat(r.schema()).isEqualTo("public");
    assertThat(r.table()).isEqualTo("messages");
    assertThat(r.replicaIdentity()).isEqualTo('f');
    assertThat(r.columns())
        .containsExactly(
            new PgOutput.Column("id", 20, -1, true), new PgOutput.Column("body", 25, -1, false));

    PgOutput.Update u =
        (PgOutput.Update)
            PgOutput.decode(
                message(
                    out -> {
                      out.write('U');
                      out.writeInt(16384);
                      out.write('O');
                      out.writeShort(2);
                      text(out, "7");
                      text(out, "héllo");
                      out.write('N');
                      out.writeShort(2);
                      text(out, "7");
                      out.write('u');
                    }));
    assertThat(u.old().values()).containsExactly("7", "héllo");
    assertThat(u.oldIsKeyOnly()).isFalse();
    assertThat(u.row().values().get(1)).isSameAs(PgOutput.UNCHANGED);

    PgOutput.Delete d =
        (PgOutput.Delete)
            PgOutput.decode(
                message(
                    out -> {
                      out.write('D');
                      out.writeInt(16384);
                      out.write('K');
                      out.writeShort(2);
                      text(out, "7");
                      out.write('n');
                    }));
    assertThat(d.oldIsKeyOnly()).isTrue();
    assertThat(d.old().values()).isEqualTo(Arrays.asList("7", null));

    PgOutput.Commit c =
        (PgOutput.Commit)
            PgOutput.decode(
                message(
                    out -> {
                      out.write('C');
                      out.write(0);
                      out.writeLong(100);
                      out.writeLong(180);
                      out.writeLong(5);
                    }));
    assertThat(c).isEqualTo(new PgOutput.Commit(100, 180, 5));
    assertThat(PgOutput.decode(message(out -> out.write('Y')))).isInstanceOf(PgOutput.Other.class);
  }

  @Test
  void shouldConvertTextValuesToTheirTributaryKinds() {
    assertThat(PgTypes.value(16, "t")).isEqualTo(true);
    assertThat(PgTypes.value(23, "-5")).isEqualTo(-5);
    assertThat(PgTypes.value(20, "9007199254740993")).isEqualTo(9007199254740993L);
    assertThat(PgTypes.value(1700, "12.50")).isEqualTo(new BigDecimal("12.50"));
    assertThat(PgTypes.value(17, "\\x00ff")).isEqualTo(new byte[] {0, (byte) 0xff});
    assertThat(PgTypes.value(1082, "2024-05-01")).isEqualTo(LocalDate.of(2024, 5, 1));
    assertThat(PgTypes.value(1114, "2024-05-01 10:30:00.25"))
        .isEqualTo(Instant.parse("2024-05-01T10:30:00.25Z"));
    assertThat(PgTypes.value(1184, "2024-05-01 10:30:00+00"))
        .isEqualTo(Instant.parse("2024-05-01T10:30:00Z"));
    assertThat(PgTypes.value(1184, "2024-05-01 12:30:00.5+05:30"))
        .isEqualTo(Instant.parse("2024-05-01T07:00:00.5Z"));
    assertThat(PgTypes.value(2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
        .isEqualTo(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
    assertThat(PgTypes.value(25, null)).isNull();
    assertThat(PgTypes.kind(600)).isNull(); // point
    assertThat(PgTypes.fits(ColumnType.Kind.INT, ColumnType.Kind.BIGINT)).isTrue();
    assertThat(PgTypes.fits(ColumnType.Kind.TEXT, ColumnType.Kind.INT)).isFalse();
    assertThatThrownBy(() -> PgTypes.value(23, "x"))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TYPE_MISMATCH))
        .hasMessageStartingWith("Cannot read value 'x' of type oid 23");
  }
}
