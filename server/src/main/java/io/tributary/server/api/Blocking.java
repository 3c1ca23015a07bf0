package io.tributary.server.api;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Context;

/**
 * Moves a call's work off Armeria's event loop to its blocking task executor. Calls that wait
 * (statements, logins, snapshots) go through here; everything else, the live streams' flow-control
 * callbacks above all, stays on the event loop, where it costs nothing to schedule.
 */
final class Blocking {
  private Blocking() {}

  /** Runs {@code work} on the blocking executor, in the current gRPC context (its principal). */
  static void run(Runnable work) {
    ServiceRequestContext.current().blockingTaskExecutor().execute(Context.current().wrap(work));
  }
}
