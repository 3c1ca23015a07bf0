package io.tributary.live;

/**
 * One client connection's way out: the transport of a live stream, implemented by the protocol
 * layer. The live module writes through it only when {@link #isReady()} says the client can take
 * more, one batch of events per {@link #send} and from one thread at a time; it never blocks on it.
 *
 * <p>An event is two parts made by the {@link EventEncoder}: a head (a subscription's prefix,
 * encoded once per subscription, or empty) followed by a body (one event's content, for a change
 * shared by every subscription that receives it). The sink frames them as one message.
 */
public interface Sink {
  /** Whether the client can take another message now (flow control). */
  boolean isReady();

  /**
   * Writes the first {@code n} events as one message: event {@code i} is {@code heads[i]} followed
   * by {@code bodies[i]}. The arrays are the caller's; the byte arrays are shared and never
   * modified.
   *
   * @throws RuntimeException when the call was cancelled or closed under the stream
   */
  void send(byte[][] heads, byte[][] bodies, int n);

  /** Ends the stream normally, after the last {@link #send}. */
  void complete();

  /** Sets what runs when the client becomes ready again; called once, when the stream opens. */
  void onReady(Runnable handler);

  /** Sets what runs when the client goes away; called once, when the stream opens. */
  void onCancel(Runnable handler);
}
