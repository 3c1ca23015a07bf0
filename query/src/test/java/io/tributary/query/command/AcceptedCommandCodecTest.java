package io.tributary.query.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.TributaryException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The optional trailer of a command (the accepting node's time and the delegation of EXECUTE AS
 * USER), and the materializer's own expiry command.
 */
class AcceptedCommandCodecTest {
  private static final WriteCommand.Accepted DELEGATED =
      new WriteCommand.Accepted(
          1_800_000_000_123L, new WriteCommand.Delegation("id-svc", "svc", "id-u1", "u1"));
  private static final WriteCommand.Accepted OWN = new WriteCommand.Accepted(42, null);

  private static List<WriteCommand> commands(WriteCommand.Accepted accepted) {
    return List.of(
        new WriteCommand.InsertRows("r1", 7, "u1", List.of(new byte[] {1, 2}), accepted),
        new WriteCommand.UpdateRows("r2", 7, "u1", "id = 1", List.of("a"), List.of("'x'"))
            .withAccepted(accepted),
        new WriteCommand.DeleteRows("r3", 7, "u1", "id = 1").withAccepted(accepted),
        new WriteCommand.DeleteStep("r4", 7, "u1", "id = 1", 99, 3).withAccepted(accepted));
  }

  @Test
  void shouldRoundTripTheAcceptedTimeAndTheDelegationOfEveryWrite() {
    for (WriteCommand.Accepted accepted : Arrays.asList(DELEGATED, OWN, null)) {
      for (WriteCommand command : commands(accepted)) {
        WriteCommand decoded = CommandCodec.decodeCommand(CommandCodec.encode(command));
        assertThat(decoded.accepted()).isEqualTo(accepted);
        assertThat(decoded.requestId()).isEqualTo(command.requestId());
        assertThat(decoded.getClass()).isEqualTo(command.getClass());
      }
    }
  }

  @Test
  void shouldReadARecordWrittenBeforeTheTrailerAsCarryingNone() {
    WriteCommand command = commands(DELEGATED).get(0);
    byte[] withTrailer = CommandCodec.encode(command);
    byte[] without = CommandCodec.encode(command.withAccepted(null));

    assertThat(withTrailer).startsWith(without);
    WriteCommand old = CommandCodec.decodeCommand(without);
    assertThat(old.accepted()).isNull();
    assertThat(((WriteCommand.InsertRows) old).rows()).hasSize(1);
  }

  @Test
  void shouldRefuseATruncatedOrUnknownTrailer() {
    byte[] full = CommandCodec.encode(commands(DELEGATED).get(0));
    int plain = CommandCodec.encode(commands(null).get(0)).length;
    for (int length = plain + 1; length < full.length; length++) {
      byte[] cut = Arrays.copyOf(full, length);
      assertThatThrownBy(() -> CommandCodec.decodeCommand(cut))
          .isInstanceOf(TributaryException.class)
          .hasMessageStartingWith("Cannot decode WriteCommand: ");
    }
    byte[] unknown = Arrays.copyOf(full, full.length);
    unknown[plain] = 9;
    assertThatThrownBy(() -> CommandCodec.decodeCommand(unknown))
        .hasMessage("Cannot decode WriteCommand: unknown trailer 9");
    byte[] longer = Arrays.copyOf(full, full.length + 1);
    assertThatThrownBy(() -> CommandCodec.decodeCommand(longer))
        .hasMessage("Cannot decode WriteCommand: 1 bytes follow the command");
  }

  @Test
  void shouldRoundTripTheExpiryCommand() {
    WriteCommand.ExpireRows expire = new WriteCommand.ExpireRows("expire-3-100", 100);
    byte[] bytes = CommandCodec.encode(expire);

    assertThat(bytes[1]).isEqualTo((byte) 9);
    assertThat(CommandCodec.decodeCommand(bytes)).isEqualTo(expire);
  }
}
