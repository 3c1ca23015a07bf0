/**
 * Live subscriptions (DESIGN.md section 5): the registry of streams and subscriptions, the index
 * that finds the subscriptions a change concerns, each subscription's snapshot-then-live handoff
 * and replay, per-stream bounded queues, heartbeats and the rows of {@code system.live}.
 *
 * <p>The package knows no wire protocol. The server hands each client connection in as a {@link
 * io.tributary.live.Sink} (the transport: readiness, one message of events, the end) and encodes
 * every event through one {@link io.tributary.live.EventEncoder}; this module only moves the bytes
 * it is given, in order, within its limits. {@link io.tributary.live.LiveHub} is the entry point;
 * implementations live in {@code io.tributary.live.internal}, which is not part of the API.
 */
package io.tributary.live;
