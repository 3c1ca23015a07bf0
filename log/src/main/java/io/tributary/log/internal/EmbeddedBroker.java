package io.tributary.log.internal;

import io.tributary.log.LogException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft broker+controller built from Kafka's production classes, bound to 127.0.0.1
 * on ephemeral ports, with its data in one directory.
 *
 * <p>The directory is formatted (new cluster id) only when {@code meta.properties} is absent; later
 * starts reuse it. The quorum is static with one voter, so the controller port may change between
 * starts; a restart still binds the ports of the previous start when they are free ({@value
 * #PORTS_FILE}), so that metadata the node kept about its own endpoint (read by the transaction
 * coordinator before the broker registers again) stays true after a restart. Not thread-safe: the
 * owning log serialises start and stop.
 */
final class EmbeddedBroker {
  static final int NODE_ID = 1;
  static final String HOST = "127.0.0.1";
  static final String BROKER_LISTENER = "BROKER";
  static final String CONTROLLER_LISTENER = "CONTROLLER";
  static final String META_PROPERTIES = "meta.properties";

  /** The broker and controller ports of the last start, in the directory: {@code "<b> <c>"}. */
  static final String PORTS_FILE = "tributary-ports";

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
  private static final int BIND_ATTEMPTS = 3;

  /** How long a restart waits for the previous start's ports to become free. */
  static final Duration PORT_REUSE_WAIT = Duration.ofSeconds(3);

  private static final long PORT_REUSE_POLL_MS = 100;

  private final Path dir;
  private final Map<String, String> overrides;
  private final Time time;
  private KafkaRaftServer server;
  private String bootstrapServers;

  EmbeddedBroker(Path dir, Map<String, String> overrides, Time time) {
    this.dir = dir;
    this.overrides = Map.copyOf(overrides);
    this.time = time;
  }

  /**
   * Settings for one node. Everything replicated has one replica; the broker session is short so
   * that a restart after a crash does not wait 9 s for the old registration to expire; the
   * cleaner's dedupe buffer is 16 MiB instead of 128 MiB of heap; topics are never auto-created;
   * the offsets and transaction-state topics have 10 partitions instead of 50 (faster first use).
   */
  static Map<String, String> properties(
      Path dir, int brokerPort, int controllerPort, Map<String, String> overrides) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    p.put("controller.listener.names", CONTROLLER_LISTENER);
    p.put(
        "listeners",
        BROKER_LISTENER
            + "://"
            + HOST
            + ":"
            + brokerPort
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + HOST
            + ":"
            + controllerPort);
    p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
    p.put("inter.broker.listener.name", BROKER_LISTENER);
    p.put(
        "listener.security.protocol.map",
        BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    p.put("log.dirs", dir.toString());
    p.put("auto.create.topics.enable", "false");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    // One node coordinates every group and transaction anyway: one partition each is less to
    // create and load on a cold start than Kafka's 50.
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
    // After a crash the restarted controller refuses the new registration until the old session
    // expires: measured restart after SIGKILL = session + ~1 s (9 s default: 13.8 s). Shorter
    // than 2 s risks fencing the broker during a long pause on a loaded machine.
    p.put("broker.session.timeout.ms", "2000");
    p.put("broker.heartbeat.interval.ms", "250");
    p.putAll(overrides);
    return p;
  }

  /**
   * Formats the directory if needed and starts the node; returns once the broker is unfenced.
   *
   * @return the broker's bootstrap servers, {@code 127.0.0.1:<port>}
   */
  String start(Duration timeout) {
    if (server != null) {
      throw new IllegalStateException("Cannot start embedded broker: already started");
    }
    formatIfNeeded();
    for (int attempt = 1; ; attempt++) {
      int[] ports = attempt == 1 ? previousPortsIfFree() : null;
      if (ports == null) {
        ports = freePorts(2);
      }
      Map<String, String> props = properties(dir, ports[0], ports[1], overrides);
      props.putIfAbsent("server.max.startup.time.ms", Long.toString(timeout.toMillis()));
      KafkaRaftServer candidate = new KafkaRaftServer(new KafkaConfig(props, false), time);
      try {
        candidate.startup();
      } catch (RuntimeException e) {
        shutdownQuietly(candidate);
        if (attempt < BIND_ATTEMPTS && causedByBindFailure(e)) {
          LOG.warn("Embedded broker lost a race for a free port; retrying with new ports", e);
          continue;
        }
        throw LogException.cannot("start embedded broker in " + dir, describe(e), e);
      }
      server = candidate;
      bootstrapServers = HOST + ":" + ports[0];
      rememberPorts(ports);
      return bootstrapServers;
    }
  }

  /** Shuts the node down (controlled shutdown) and waits for it. */
  void stop() {
    KafkaRaftServer s = server;
    server = null;
    if (s != null) {
      s.shutdown();
      s.awaitShutdown();
    }
  }

  /** The cluster id in {@code meta.properties}. */
  String clusterId() {
    Properties meta = new Properties();
    try (InputStream in = Files.newInputStream(dir.resolve(META_PROPERTIES))) {
      meta.load(in);
    } catch (IOException e) {
      throw LogException.cannot("read " + dir.resolve(META_PROPERTIES), e.toString(), e);
    }
    return meta.getProperty("cluster.id");
  }

  /** Formats the directory with a new cluster id unless it holds {@code meta.properties}. */
  boolean formatIfNeeded() {
    if (Files.exists(dir.resolve(META_PROPERTIES))) {
      return false;
    }
    String clusterId = Uuid.randomUuid().toString();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try {
      Files.createDirectories(dir);
      new Formatter()
          .setPrintStream(new PrintStream(output, true, StandardCharsets.UTF_8))
          .setNodeId(NODE_ID)
          .setClusterId(clusterId)
          .setDirectories(List.of(dir.toString()))
          .setMetadataLogDirectory(dir.toString())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .setHasDynamicQuorum(false)
          .run();
    } catch (Exception e) {
      throw LogException.cannot("format " + dir, describe(e), e);
    }
    LOG.info("Formatted {} for new cluster {}", dir, clusterId);
    LOG.debug("Formatter output: {}", output.toString(StandardCharsets.UTF_8).strip());
    return true;
  }

  /**
   * The ports of the previous start if both can be bound now, or within {@link #PORT_REUSE_WAIT} (a
   * client's short-lived connection may hold one as its local port); null otherwise.
   */
  int[] previousPortsIfFree() {
    Path file = dir.resolve(PORTS_FILE);
    int[] ports;
    try {
      String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
      ports = new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    } catch (IOException | RuntimeException e) {
      return null; // first start, or a file we did not write: take new ports
    }
    for (int port : ports) {
      if (port <= 0 || port > 65535) {
        return null;
      }
    }
    long deadline = time.milliseconds() + PORT_REUSE_WAIT.toMillis();
    while (!canBind(ports[0]) || !canBind(ports[1])) {
      if (time.milliseconds() >= deadline) {
        // Not silent: with a new endpoint, a transaction the previous run left half-completed can
        // hold a restart of the materializer (RELIABILITY.md, Recovery time).
        LOG.warn(
            "The previous start's ports {} and {} are not free after {} ms; the node takes new ports"
                + " and its endpoint changes",
            ports[0],
            ports[1],
            PORT_REUSE_WAIT.toMillis());
        return null;
      }
      time.sleep(PORT_REUSE_POLL_MS);
    }
    return ports;
  }

  private void rememberPorts(int[] ports) {
    try {
      Files.writeString(
          dir.resolve(PORTS_FILE), ports[0] + " " + ports[1] + "\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      LOG.debug("Could not remember the broker's ports in {}: {}", dir, e.toString());
    }
  }

  private static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(HOST, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int[] freePorts(int count) {
    ServerSocket[] sockets = new ServerSocket[count];
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket();
        sockets[i].setReuseAddress(true);
        sockets[i].bind(new InetSocketAddress(HOST, 0));
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw LogException.cannot("find a free port on " + HOST, e.toString(), e);
    } finally {
      for (ServerSocket socket : sockets) {
        if (socket != null) {
          try {
            socket.close();
          } catch (IOException ignored) {
            // nothing was bound on it that we still need
          }
        }
      }
    }
  }

  private static void shutdownQuietly(KafkaRaftServer s) {
    try {
      s.shutdown();
      s.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.warn("Embedded broker failed to shut down after a failed start", e);
    }
  }

  private static boolean causedByBindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null ? e.getClass().getName() : message;
  }
}
