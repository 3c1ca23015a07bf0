package io.tributary.materializer.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the stores' changelog topics before Kafka Streams starts, and waits until every partition
 * answers {@code listOffsets}. Streams would create them itself, but an idempotent producer that
 * writes right after topic creation can silently lose its first batch (KAFKA-15591, fixed only in
 * Kafka 4.5): for a changelog that would be state lost on the next restore.
 */
final class ChangelogTopics {
  private ChangelogTopics() {}

  static String changelogOf(String store) {
    return MaterializerImpl.APPLICATION_ID + "-" + store + "-changelog";
  }

  static void ensure(
      Map<String, Object> clientConfig, List<String> stores, int partitions, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(new HashMap<>(clientConfig))) {
      Set<String> existing = get(admin.listTopics().names(), deadline);
      List<NewTopic> missing = new ArrayList<>();
      for (String store : stores) {
        String topic = changelogOf(store);
        if (!existing.contains(topic)) {
          missing.add(
              new NewTopic(topic, Optional.of(partitions), Optional.empty())
                  .configs(
                      Map.of(
                          TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      try {
        get(admin.createTopics(missing).all(), deadline);
      } catch (TributaryException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (NewTopic topic : missing) {
        for (int p = 0; p < partitions; p++) {
          request.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
        }
      }
      while (true) {
        try {
          get(admin.listOffsets(request).all(), deadline);
          return;
        } catch (TributaryException e) {
          if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
            throw e;
          }
        }
      }
    }
  }

  private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future, long deadline) {
    try {
      return future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new TributaryException(
          ErrorCode.UNAVAILABLE,
          "Cannot create the materializer's changelog topics: " + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new TributaryException(
          ErrorCode.UNAVAILABLE,
          "Cannot create the materializer's changelog topics: the cluster did not answer in time",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TributaryException(
          ErrorCode.UNAVAILABLE, "Cannot create the materializer's changelog topics: interrupted");
    }
  }
}
