package io.tributary.materializer.internal;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/** What the health check reads from the metrics of Kafka Streams' main consumer. */
final class StreamsMetrics {
  private StreamsMetrics() {}

  /**
   * @param lastPollSecondsAgo seconds since the stream thread last polled the log (0 if unknown)
   * @param waitingCommands records of the write topics fetched-behind, by the consumer's last fetch
   *     (0 if unknown)
   */
  record Reading(long lastPollSecondsAgo, long waitingCommands) {}

  static Reading read(Map<MetricName, ? extends Metric> metrics) {
    long lastPoll = 0;
    long lag = 0;
    for (Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
      MetricName name = entry.getKey();
      String client = name.tags().getOrDefault("client-id", "");
      if (!client.endsWith("-consumer") || client.endsWith("restore-consumer")) {
        continue; // only the main consumer reads the write topics
      }
      if (name.name().equals("last-poll-seconds-ago") && name.group().equals("consumer-metrics")) {
        lastPoll = Math.max(lastPoll, number(entry.getValue()));
      } else if (name.name().equals("records-lag")
          && name.group().equals("consumer-fetch-manager-metrics")
          && name.tags().containsKey("partition")) {
        lag += number(entry.getValue());
      }
    }
    return new Reading(lastPoll, lag);
  }

  private static long number(Metric metric) {
    Object value = metric.metricValue();
    if (value instanceof Number n && !Double.isNaN(n.doubleValue())) {
      return Math.max(0, n.longValue());
    }
    return 0;
  }
}
