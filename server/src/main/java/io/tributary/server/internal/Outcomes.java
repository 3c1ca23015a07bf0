package io.tributary.server.internal;

import io.tributary.materializer.ApplyListener;
import io.tributary.query.command.WriteOutcome;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Matches the materializer's outcomes with the callers waiting for them. A caller registers before
 * appending its command, so an outcome can never arrive before its waiter. Outcomes nobody waits
 * for (replays after a restart) are dropped.
 */
public final class Outcomes implements ApplyListener {
  private final Map<String, CompletableFuture<WriteOutcome>> waiting = new ConcurrentHashMap<>();

  CompletableFuture<WriteOutcome> register(String requestId) {
    CompletableFuture<WriteOutcome> future = new CompletableFuture<>();
    waiting.put(requestId, future);
    return future;
  }

  void forget(String requestId) {
    waiting.remove(requestId);
  }

  @Override
  public void applied(WriteOutcome outcome) {
    CompletableFuture<WriteOutcome> future = waiting.remove(outcome.requestId());
    if (future != null) {
      future.complete(outcome);
    }
  }
}
