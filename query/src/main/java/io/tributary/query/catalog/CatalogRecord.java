package io.tributary.query.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One record of the compacted catalog topic: the current state of one namespace, table, user,
 * source, source position or topic, keyed by kind and name; a null value is a tombstone. Values are
 * versioned JSON; readers accept every version ever written.
 */
public record CatalogRecord(Kind kind, String name, Object value) {
  public enum Kind {
    NAMESPACE("ns"),
    TABLE("table"),
    USER("user"),
    POLICY("policy"),
    SOURCE("source"),
    SOURCE_POSITION("source-position"),
    TOPIC("topic");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }
  }

  private static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final int VERSION = 1;

  public static CatalogRecord namespace(NamespaceDef ns) {
    return new CatalogRecord(Kind.NAMESPACE, ns.name(), ns);
  }

  public static CatalogRecord table(TableDef table) {
    return new CatalogRecord(Kind.TABLE, table.qualifiedName(), table);
  }

  public static CatalogRecord user(UserDef user) {
    return new CatalogRecord(Kind.USER, user.name(), user);
  }

  public static CatalogRecord policy(PolicyDef policy) {
    return new CatalogRecord(Kind.POLICY, policy.key(), policy);
  }

  public static CatalogRecord source(SourceDef source) {
    return new CatalogRecord(Kind.SOURCE, source.name(), source);
  }

  public static CatalogRecord sourcePosition(String source, SourcePosition position) {
    return new CatalogRecord(Kind.SOURCE_POSITION, source, position);
  }

  public static CatalogRecord topic(TopicDef topic) {
    return new CatalogRecord(Kind.TOPIC, topic.qualifiedName(), topic);
  }

  public static CatalogRecord tombstone(Kind kind, String name) {
    return new CatalogRecord(kind, name, null);
  }

  public byte[] key() {
    return (kind.prefix + "/" + name).getBytes(StandardCharsets.UTF_8);
  }

  /** The encoded value, or null for a tombstone. */
  public byte[] encodeValue() {
    if (value == null) {
      return null;
    }
    try {
      return MAPPER.writeValueAsBytes(new Envelope(VERSION, MAPPER.valueToTree(value)));
    } catch (IOException e) {
      throw new TributaryException(ErrorCode.INTERNAL, "Cannot encode catalog record: " + e, e);
    }
  }

  public static CatalogRecord decode(byte[] key, byte[] value) {
    String k = new String(key, StandardCharsets.UTF_8);
    int slash = k.indexOf('/');
    String prefix = k.substring(0, slash);
    String name = k.substring(slash + 1);
    Kind kind = null;
    for (Kind candidate : Kind.values()) {
      if (candidate.prefix.equals(prefix)) {
        kind = candidate;
      }
    }
    if (kind == null) {
      throw TributaryException.of(
          ErrorCode.INTERNAL, "Cannot decode catalog record: unknown key '%s'", k);
    }
    if (value == null) {
      return new CatalogRecord(kind, name, null);
    }
    try {
      Envelope envelope = MAPPER.readValue(value, Envelope.class);
      Class<?> type =
          switch (kind) {
            case NAMESPACE -> NamespaceDef.class;
            case TABLE -> TableDef.class;
            case USER -> UserDef.class;
            case POLICY -> PolicyDef.class;
            case SOURCE -> SourceDef.class;
            case SOURCE_POSITION -> SourcePosition.class;
            case TOPIC -> TopicDef.class;
          };
      return new CatalogRecord(kind, name, MAPPER.treeToValue(envelope.value(), type));
    } catch (IOException e) {
      throw new TributaryException(
          ErrorCode.INTERNAL, "Cannot decode catalog record '" + k + "': " + e.getMessage(), e);
    }
  }

  private record Envelope(int version, com.fasterxml.jackson.databind.JsonNode value) {}
}
