/**
 * The live hub's implementation: {@link io.tributary.live.internal.Hub} (registry, limits, snapshot
 * setup, replay, dispatcher, heartbeats), {@link io.tributary.live.internal.LiveStream} (one
 * stream's bounded queue in front of its {@link io.tributary.live.Sink}), {@link
 * io.tributary.live.internal.Subscription} (one subscription's lifecycle and its one delivery
 * path), {@link io.tributary.live.internal.SubscriptionIndex}, {@link
 * io.tributary.live.internal.SnapshotPacer} and {@link io.tributary.live.internal.ChangeReplay}.
 * Not part of the API.
 */
package io.tributary.live.internal;
