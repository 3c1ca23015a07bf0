package io.tributary.server;

/**
 * Whether the node can serve: what {@code GET /health} and the gRPC health service report.
 * Implementations are cheap (no I/O) and thread-safe.
 */
@FunctionalInterface
public interface HealthCheck {
  /** A check that always passes. */
  HealthCheck ALWAYS = () -> null;

  /** Why the node cannot serve now, or null when it can. */
  String problem();
}
