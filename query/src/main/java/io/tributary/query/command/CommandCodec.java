package io.tributary.query.command;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.io.IOException;

/**
 * Encodes commands and changes as versioned JSON ({@code {"v":1, "type":..., ...}}). Decoding
 * accepts every version ever written.
 */
public final class CommandCodec {
  static final int VERSION = 1;
  private static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private CommandCodec() {}

  public static byte[] encode(WriteCommand command) {
    ObjectNode node = MAPPER.valueToTree(command);
    node.put("v", VERSION);
    return write(node);
  }

  public static WriteCommand decodeCommand(byte[] bytes) {
    return read(bytes, WriteCommand.class);
  }

  public static byte[] encode(RowChange change) {
    ObjectNode node = MAPPER.valueToTree(change);
    node.put("v", VERSION);
    return write(node);
  }

  public static RowChange decodeChange(byte[] bytes) {
    return read(bytes, RowChange.class);
  }

  private static byte[] write(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new TributaryException(ErrorCode.INTERNAL, "Cannot encode command: " + e, e);
    }
  }

  private static <T> T read(byte[] bytes, Class<T> type) {
    try {
      JsonNode node = MAPPER.readTree(bytes);
      int version = node.path("v").asInt(0);
      if (version < 1 || version > VERSION) {
        throw TributaryException.of(
            ErrorCode.INTERNAL,
            "Cannot decode %s: version %d is newer than this server knows (%d)",
            type.getSimpleName(),
            version,
            VERSION);
      }
      ((ObjectNode) node).remove("v");
      return MAPPER.treeToValue(node, type);
    } catch (IOException e) {
      throw new TributaryException(
          ErrorCode.INTERNAL, "Cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
