package io.tributary.log.internal;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.internals.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Kafka's broker from killing the host JVM.
 *
 * <p>{@code KafkaRaftServer} answers fatal faults (metadata log errors, all log dirs offline, fatal
 * errors of request handler threads) with {@code Exit.halt} or {@code Exit.exit}, which by default
 * end the process. Kafka routes them through static, replaceable procedures; while at least one
 * embedded broker runs, this class replaces both with one that logs loudly and notifies every
 * registered listener (each marks its log FAILED) instead. The previous procedures are restored
 * when the last registration closes.
 *
 * <p>{@code Exit} is process-wide and a halt does not say which broker asked for it, so every
 * listener is notified. {@code Exit} has no getters; the previous procedures are read reflectively
 * so that a procedure installed by someone else (a test harness) is restored exactly. If that
 * fails, the JVM defaults ({@code Runtime.halt}, {@code System.exit}) are restored, never {@code
 * Exit.reset*}, which installs procedures that throw.
 */
final class ExitInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(ExitInterceptor.class);
  private static final Object LOCK = new Object();

  // guarded by LOCK
  private static final List<Listener> listeners = new ArrayList<>();
  private static Exit.Procedure previousHalt;
  private static Exit.Procedure previousExit;

  /** Told when Kafka asks to end the process. Called on a Kafka thread; must not block. */
  @FunctionalInterface
  interface Listener {
    /**
     * @param kind "halt" or "exit"
     * @param status the requested exit status
     * @param message Kafka's message, or null
     */
    void onTerminationRequest(String kind, int status, String message);
  }

  /** A registration; closing it is idempotent. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  private ExitInterceptor() {}

  /** Registers {@code listener}, installing the interception if it is the first registration. */
  static Registration register(Listener listener) {
    synchronized (LOCK) {
      if (listeners.isEmpty()) {
        previousHalt = current("haltProcedure", ExitInterceptor::jvmHalt);
        previousExit = current("exitProcedure", ExitInterceptor::jvmExit);
        Exit.setHaltProcedure((status, message) -> intercept("halt", status, message));
        Exit.setExitProcedure((status, message) -> intercept("exit", status, message));
      }
      listeners.add(listener);
    }
    return new Registration() {
      private boolean closed;

      @Override
      public void close() {
        synchronized (LOCK) {
          if (closed) {
            return;
          }
          closed = true;
          listeners.remove(listener);
          if (listeners.isEmpty()) {
            Exit.setHaltProcedure(previousHalt);
            Exit.setExitProcedure(previousExit);
            previousHalt = null;
            previousExit = null;
          }
        }
      }
    };
  }

  /** True while at least one registration is open (for tests). */
  static boolean isInstalled() {
    synchronized (LOCK) {
      return !listeners.isEmpty();
    }
  }

  /** The currently installed halt procedure, read reflectively (for tests). */
  static Exit.Procedure currentHaltProcedure() {
    return current("haltProcedure", ExitInterceptor::jvmHalt);
  }

  private static void intercept(String kind, int status, String message) {
    List<Listener> snapshot;
    synchronized (LOCK) {
      snapshot = List.copyOf(listeners);
    }
    LOG.error(
        "Kafka requested a JVM {} with status {}{}; intercepted so the host process keeps"
            + " running. The embedded log is FAILED and must be closed.",
        kind,
        status,
        message == null ? "" : " (" + message + ")",
        new IllegalStateException("Kafka requested a JVM " + kind + " from here"));
    for (Listener listener : snapshot) {
      try {
        listener.onTerminationRequest(kind, status, message);
      } catch (RuntimeException e) {
        LOG.error("A log failed to handle a termination request", e);
      }
    }
  }

  private static Exit.Procedure current(String field, Exit.Procedure fallback) {
    try {
      Field f = Exit.class.getDeclaredField(field);
      f.setAccessible(true);
      Object value = f.get(null);
      return value instanceof Exit.Procedure procedure ? procedure : fallback;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("Cannot read Exit.{}; the JVM default will be restored", field, e);
      return fallback;
    }
  }

  private static void jvmHalt(int status, String message) {
    Runtime.getRuntime().halt(status);
  }

  private static void jvmExit(int status, String message) {
    System.exit(status);
  }
}
