package io.tributary.live.internal;

import io.tributary.live.Sink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client connection that records each message (its events as text, head then body) and is ready
 * only when the test says so.
 */
final class RecordingSink implements Sink {
  final List<List<String>> messages = new CopyOnWriteArrayList<>();
  final List<byte[][]> bodies = new CopyOnWriteArrayList<>();
  volatile boolean ready = true;
  volatile boolean completed;
  private volatile Runnable onReady = () -> {};
  volatile Runnable onCancel = () -> {};

  void becomeReady() {
    ready = true;
    onReady.run();
  }

  /** Every event written, in order. */
  List<String> events() {
    List<String> out = new ArrayList<>();
    messages.forEach(out::addAll);
    return out;
  }

  @Override
  public boolean isReady() {
    return ready;
  }

  @Override
  public void send(byte[][] heads, byte[][] bodies, int n) {
    List<String> events = new ArrayList<>(n);
    byte[][] kept = new byte[n][];
    for (int i = 0; i < n; i++) {
      events.add(
          new String(heads[i], StandardCharsets.UTF_8)
              + new String(bodies[i], StandardCharsets.UTF_8));
      kept[i] = bodies[i];
    }
    this.bodies.add(kept);
    messages.add(events);
  }

  @Override
  public void complete() {
    completed = true;
  }

  @Override
  public void onReady(Runnable handler) {
    onReady = handler;
  }

  @Override
  public void onCancel(Runnable handler) {
    onCancel = handler;
  }
}
