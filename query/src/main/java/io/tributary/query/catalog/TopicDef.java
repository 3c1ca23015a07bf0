package io.tributary.query.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A topic: a real Kafka topic, named in a namespace like a table ({@code chat.inbox}), into which
 * the materializer routes the changes of its source tables. Immutable: ALTER TOPIC writes a new
 * definition with the same id.
 *
 * @param id unique id, assigned by the node that accepted the CREATE TOPIC; the Kafka topic's name
 *     includes it, so a re-created topic is another Kafka topic
 * @param partitions the Kafka topic's partition count
 */
public record TopicDef(
    long id,
    String namespace,
    String name,
    int partitions,
    List<TopicSource> sources,
    long createdAtMillis) {

  public TopicDef {
    sources = List.copyOf(sources);
  }

  public String qualifiedName() {
    return namespace + "." + name;
  }

  /** The source reading {@code tableId}, if any. */
  public Optional<TopicSource> source(long tableId) {
    return sources.stream().filter(s -> s.tableId() == tableId).findFirst();
  }

  /** This topic with {@code source} added. */
  public TopicDef withSource(TopicSource source) {
    List<TopicSource> next = new ArrayList<>(sources);
    next.add(source);
    return new TopicDef(id, namespace, name, partitions, next, createdAtMillis);
  }

  /** This topic without the source of {@code tableId}. */
  public TopicDef withoutSource(long tableId) {
    List<TopicSource> next = new ArrayList<>(sources);
    next.removeIf(s -> s.tableId() == tableId);
    return new TopicDef(id, namespace, name, partitions, next, createdAtMillis);
  }
}
