package io.tributary.log.internal;

import io.tributary.log.CommandWriter;
import io.tributary.log.GroupConsumer;
import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.log.LogException;
import io.tributary.log.LogReader;
import io.tributary.log.LogTopics;
import io.tributary.log.TopicAdmin;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Log} over Kafka. Reached through {@link Log#open}; not API.
 *
 * <p>{@code start()} and {@code close()} run under one lock; the state itself is lock-free ({@link
 * Lifecycle}) because a fatal broker fault marks the log FAILED from a broker thread.
 */
public final class KafkaLog implements Log {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaLog.class);
  private static final Duration WRITER_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final LogConfig config;
  private final LogTopics topics;
  private final Time time;
  private final Lifecycle lifecycle = new Lifecycle();
  private final Object lifecycleLock = new Object();

  // Written under lifecycleLock; read without it.
  private volatile Running running;
  private volatile KafkaCommandWriter writer;
  private volatile KafkaTopicAdmin topicAdmin;

  // Guarded by lifecycleLock.
  private EmbeddedBroker broker;
  private ExitInterceptor.Registration exitRegistration;

  /** What a started log knows. */
  private record Running(
      String bootstrapServers, Map<String, Object> clientConfig, String clusterId) {}

  /**
   * Creates a log in state NEW.
   *
   * @param config where the log lives
   */
  public KafkaLog(LogConfig config) {
    this(config, Time.SYSTEM);
  }

  KafkaLog(LogConfig config, Time time) {
    this.config = Objects.requireNonNull(config, "config");
    this.topics = config.topics();
    this.time = Objects.requireNonNull(time, "time");
  }

  @Override
  public void start() {
    synchronized (lifecycleLock) {
      lifecycle.transitionTo(State.STARTING);
      long startedAtNs = time.nanoseconds();
      long deadlineMs = time.milliseconds() + config.startTimeout().toMillis();
      try {
        String bootstrapServers;
        long brokerMs = 0;
        if (config.isEmbedded()) {
          exitRegistration = ExitInterceptor.register(this::onTerminationRequest);
          broker =
              new EmbeddedBroker(config.brokerDir().orElseThrow(), config.brokerProperties(), time);
          bootstrapServers = broker.start(remaining(deadlineMs));
          brokerMs = TimeUnit.NANOSECONDS.toMillis(time.nanoseconds() - startedAtNs);
        } else {
          bootstrapServers = config.externalBootstrapServers().orElseThrow();
        }
        Map<String, Object> clientConfig = clientConfig(bootstrapServers);
        String clusterId;
        try (Admin admin = Admin.create(adminConfig(clientConfig, deadlineMs))) {
          clusterId = clusterId(admin, deadlineMs);
          if (!config.isEmbedded() && config.exclusiveGroup().isPresent()) {
            // Before anything changes in the cluster: a refused node must leave no trace.
            ExclusiveGroup.requireNoActiveMember(
                admin,
                config.exclusiveGroup().get(),
                config.exclusiveSelf().orElse(null),
                remaining(deadlineMs));
          }
          new InternalTopics(admin, topics, config.durableWrites(), time).ensure(deadlineMs);
        }
        writer =
            KafkaCommandWriter.create(
                clientConfig,
                config.writerProperties(),
                KafkaCommandWriter.transactionalId(config));
        topicAdmin = new KafkaTopicAdmin(clientConfig);
        running = new Running(bootstrapServers, clientConfig, clusterId);
        if (!lifecycle.transition(State.STARTING, State.RUNNING)) {
          throw lifecycle
              .failure()
              .orElseGet(() -> LogException.cannot("start log", "it left STARTING meanwhile"));
        }
        long totalMs = TimeUnit.NANOSECONDS.toMillis(time.nanoseconds() - startedAtNs);
        if (config.isEmbedded()) {
          LOG.info(
              "Log started in {} ms (broker {} ms): embedded broker at {}, cluster {}",
              totalMs,
              brokerMs,
              bootstrapServers,
              clusterId);
        } else {
          LOG.info(
              "Log started in {} ms: external cluster at {}, cluster {}",
              totalMs,
              bootstrapServers,
              clusterId);
        }
      } catch (RuntimeException e) {
        LogException failure =
            e instanceof LogException le
                ? le
                : LogException.cannot("start log", EmbeddedBroker.describe(e), e);
        running = null;
        RuntimeException releaseFailure = release();
        if (releaseFailure != null) {
          failure.addSuppressed(releaseFailure);
        }
        lifecycle.fail(failure);
        LOG.debug("Log failed to start ({})", config, failure);
        throw failure;
      }
    }
  }

  @Override
  public String bootstrapServers() {
    return running("read bootstrap servers").bootstrapServers();
  }

  @Override
  public LogTopics topics() {
    return topics;
  }

  @Override
  public CommandWriter writer() {
    running("use the writer");
    return writer;
  }

  @Override
  public Map<String, Object> clientConfig() {
    return running("read client config").clientConfig();
  }

  @Override
  public String clusterId() {
    return running("read cluster id").clusterId();
  }

  @Override
  public LogReader openReader(String topic, int partition) {
    return KafkaLogReader.open(running("open a reader").clientConfig(), topic, partition);
  }

  @Override
  public TopicAdmin topicAdmin() {
    running("administer topics");
    return topicAdmin;
  }

  @Override
  public GroupConsumer joinGroup(
      String group, String topic, GroupConsumer.Start start, long startOffset) {
    return new KafkaGroupConsumer(
        running("join a consumer group").clientConfig(), group, topic, start, startOffset);
  }

  @Override
  public State state() {
    return lifecycle.state();
  }

  @Override
  public Optional<LogException> failure() {
    return lifecycle.failure();
  }

  @Override
  public void close() {
    synchronized (lifecycleLock) {
      if (lifecycle.state() == State.STOPPED) {
        return;
      }
      lifecycle.transitionTo(State.STOPPING);
      RuntimeException releaseFailure = release();
      if (releaseFailure != null) {
        LogException failure =
            LogException.cannot(
                "close log", EmbeddedBroker.describe(releaseFailure), releaseFailure);
        lifecycle.fail(failure);
        throw failure;
      }
      if (!lifecycle.transition(State.STOPPING, State.STOPPED)) {
        // A fatal broker fault during shutdown; everything is released, close() again to stop.
        throw lifecycle
            .failure()
            .orElseGet(() -> LogException.cannot("close log", "it left STOPPING meanwhile"));
      }
      LOG.info("Log stopped");
    }
  }

  @Override
  public String toString() {
    return "KafkaLog{" + lifecycle.state() + ", " + config + "}";
  }

  /** Writer, then broker, then the exit interception; returns the first failure. */
  private RuntimeException release() {
    RuntimeException first = null;
    KafkaTopicAdmin a = topicAdmin;
    if (a != null) {
      try {
        a.close();
      } catch (RuntimeException e) {
        LOG.warn("Topic admin failed to close", e);
      }
      topicAdmin = null;
    }
    KafkaCommandWriter w = writer;
    if (w != null) {
      try {
        w.close(WRITER_CLOSE_TIMEOUT);
      } catch (RuntimeException e) {
        first = e;
        LOG.error("Writer failed to close", e);
      }
    }
    if (broker != null) {
      try {
        broker.stop();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
        LOG.error("Embedded broker failed to shut down", e);
      }
      broker = null;
    }
    if (exitRegistration != null) {
      exitRegistration.close();
      exitRegistration = null;
    }
    return first;
  }

  private void onTerminationRequest(String kind, int status, String message) {
    LogException failure =
        LogException.cannot(
            "keep the embedded broker running",
            "it hit a fatal fault and requested a JVM "
                + kind
                + " with status "
                + status
                + (message == null ? "" : " (" + message + ")")
                + "; close the log");
    if (lifecycle.fail(failure)) {
      KafkaCommandWriter w = writer;
      if (w != null) {
        w.refuse("the log is FAILED: " + failure.getMessage());
      }
    }
  }

  private Running running(String action) {
    Running r = running;
    if (r == null) {
      throw new IllegalStateException(
          "Cannot " + action + ": log is " + lifecycle.state() + ", valid once RUNNING");
    }
    return r;
  }

  private Map<String, Object> clientConfig(String bootstrapServers) {
    Map<String, Object> clientConfig = new HashMap<>(config.clientProperties());
    clientConfig.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return Map.copyOf(clientConfig);
  }

  private Map<String, Object> adminConfig(Map<String, Object> clientConfig, long deadlineMs) {
    Map<String, Object> admin = new HashMap<>(clientConfig);
    admin.put(AdminClientConfig.CLIENT_ID_CONFIG, "tributary-log-admin");
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, remaining(deadlineMs).toMillis());
    admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(1, timeoutMs));
    admin.put(
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1, Math.min(timeoutMs, 30_000)));
    return admin;
  }

  private String clusterId(Admin admin, long deadlineMs) {
    try {
      return admin
          .describeCluster()
          .clusterId()
          .get(remaining(deadlineMs).toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw LogException.cannot(
          "connect to " + config.externalBootstrapServers().orElse("the embedded broker"),
          EmbeddedBroker.describe(cause),
          cause);
    } catch (TimeoutException e) {
      throw LogException.cannot(
          "connect to " + config.externalBootstrapServers().orElse("the embedded broker"),
          "timed out after " + config.startTimeout(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw LogException.cannot("connect to the cluster", "interrupted", e);
    }
  }

  private Duration remaining(long deadlineMs) {
    return Duration.ofMillis(Math.max(0, deadlineMs - time.milliseconds()));
  }
}
