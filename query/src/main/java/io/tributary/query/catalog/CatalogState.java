package io.tributary.query.catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The catalog built from the records of the catalog topic. One thread applies records ({@link
 * #apply}); any thread reads.
 */
public final class CatalogState implements Catalog {
  private final Map<String, NamespaceDef> namespaces = new ConcurrentHashMap<>();
  private final Map<String, TableDef> tablesByName = new ConcurrentHashMap<>();
  private final Map<Long, TableDef> tablesById = new ConcurrentHashMap<>();
  private final Map<String, UserDef> users = new ConcurrentHashMap<>();
  private final Map<String, UserDef> usersById = new ConcurrentHashMap<>();
  private final Map<String, PolicyDef> policies = new ConcurrentHashMap<>();
  private final Map<String, SourceDef> sources = new ConcurrentHashMap<>();
  private final Map<String, SourcePosition> sourcePositions = new ConcurrentHashMap<>();
  private final Map<String, TopicDef> topics = new ConcurrentHashMap<>();

  /** Topics by source table id; replaced whole whenever a topic changes. */
  private volatile Map<Long, List<TopicDef>> topicsBySource = Map.of();

  /** Applies one catalog record; a null value is a tombstone that removes the keyed entity. */
  public void apply(CatalogRecord record) {
    switch (record.kind()) {
      case NAMESPACE:
        if (record.value() == null) {
          namespaces.remove(record.name());
        } else {
          namespaces.put(record.name(), (NamespaceDef) record.value());
        }
        break;
      case TABLE:
        {
          TableDef previous = tablesByName.get(record.name());
          if (previous != null) {
            tablesById.remove(previous.id());
          }
          if (record.value() == null) {
            tablesByName.remove(record.name());
          } else {
            TableDef table = (TableDef) record.value();
            tablesByName.put(record.name(), table);
            tablesById.put(table.id(), table);
          }
          break;
        }
      case USER:
        {
          // A compacted topic may hold a re-created user's record without the tombstone before
          // it: whatever held the name before is gone either way.
          UserDef previous =
              record.value() == null
                  ? users.remove(record.name())
                  : users.put(record.name(), (UserDef) record.value());
          if (previous != null) {
            usersById.remove(previous.id());
          }
          if (record.value() != null) {
            UserDef user = (UserDef) record.value();
            usersById.put(user.id(), user);
          }
          break;
        }
      case POLICY:
        if (record.value() == null) {
          policies.remove(record.name());
        } else {
          policies.put(record.name(), (PolicyDef) record.value());
        }
        break;
      case SOURCE:
        if (record.value() == null) {
          sources.remove(record.name());
        } else {
          sources.put(record.name(), (SourceDef) record.value());
        }
        break;
      case SOURCE_POSITION:
        if (record.value() == null) {
          sourcePositions.remove(record.name());
        } else {
          sourcePositions.put(record.name(), (SourcePosition) record.value());
        }
        break;
      case TOPIC:
        if (record.value() == null) {
          topics.remove(record.name());
        } else {
          topics.put(record.name(), (TopicDef) record.value());
        }
        indexTopics();
        break;
      default:
        throw new AssertionError(record.kind());
    }
  }

  private void indexTopics() {
    Map<Long, List<TopicDef>> index = new HashMap<>();
    for (TopicDef topic : topics.values()) {
      for (TopicSource source : topic.sources()) {
        index.computeIfAbsent(source.tableId(), id -> new ArrayList<>()).add(topic);
      }
    }
    Map<Long, List<TopicDef>> frozen = new HashMap<>();
    index.forEach((id, list) -> frozen.put(id, List.copyOf(list)));
    topicsBySource = Map.copyOf(frozen);
  }

  @Override
  public Optional<TopicDef> topic(String namespace, String name) {
    return Optional.ofNullable(topics.get(namespace + "." + name));
  }

  @Override
  public List<TopicDef> topics(String namespace) {
    return topics.values().stream()
        .filter(t -> namespace == null || t.namespace().equals(namespace))
        .sorted(Comparator.comparing(TopicDef::qualifiedName))
        .toList();
  }

  @Override
  public List<TopicDef> topicsWithSource(long tableId) {
    return topicsBySource.getOrDefault(tableId, List.of());
  }

  @Override
  public Optional<NamespaceDef> namespace(String name) {
    return Optional.ofNullable(namespaces.get(name));
  }

  @Override
  public List<NamespaceDef> namespaces() {
    return namespaces.values().stream().sorted(Comparator.comparing(NamespaceDef::name)).toList();
  }

  @Override
  public Optional<TableDef> table(String namespace, String name) {
    return Optional.ofNullable(tablesByName.get(namespace + "." + name));
  }

  @Override
  public Optional<TableDef> table(long id) {
    return Optional.ofNullable(tablesById.get(id));
  }

  @Override
  public List<TableDef> tables(String namespace) {
    return tablesByName.values().stream()
        .filter(t -> namespace == null || t.namespace().equals(namespace))
        .sorted(Comparator.comparing(TableDef::qualifiedName))
        .toList();
  }

  @Override
  public Optional<UserDef> user(String name) {
    return Optional.ofNullable(users.get(name));
  }

  @Override
  public Optional<UserDef> userById(String id) {
    return Optional.ofNullable(usersById.get(id));
  }

  @Override
  public List<PolicyDef> policies() {
    return policies.values().stream().sorted(Comparator.comparing(PolicyDef::key)).toList();
  }

  @Override
  public List<UserDef> users() {
    return users.values().stream().sorted(Comparator.comparing(UserDef::name)).toList();
  }

  @Override
  public Optional<SourceDef> source(String name) {
    return Optional.ofNullable(sources.get(name));
  }

  @Override
  public List<SourceDef> sources() {
    return sources.values().stream().sorted(Comparator.comparing(SourceDef::name)).toList();
  }

  @Override
  public Optional<SourcePosition> sourcePosition(String name) {
    return Optional.ofNullable(sourcePositions.get(name));
  }
}
