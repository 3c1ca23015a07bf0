/**
 * The Java SDK of Tributary.
 *
 * <p>Start with {@link io.tributary.client.TributaryClient#connect(String)}: a client runs SQL
 * statements on a Tributary server over gRPC and returns typed rows ({@link
 * io.tributary.client.ResultSet}, {@link io.tributary.client.Row}). Every failure reported by the
 * server or the transport is a {@link io.tributary.client.TributaryException} carrying a stable
 * error code.
 *
 * <p>A client also keeps queries live: {@link io.tributary.client.TributaryClient#subscribe} hands
 * a {@link io.tributary.client.SubscriptionListener} the snapshot and every later change of a
 * {@code SUBSCRIBE TO} statement, and {@link io.tributary.client.TributaryClient#live} keeps the
 * reconciled rows ({@link io.tributary.client.LiveQuery}). Both resume by themselves after a lost
 * connection, without gap or duplicate. For tools that show a subscription as it happens, {@link
 * io.tributary.client.TributaryClient#stream} reads one subscription's raw events ({@link
 * io.tributary.client.LiveEvent}) from an {@link io.tributary.client.EventStream}, without resume.
 *
 * <p>Only the types of this package are API. The package {@code io.tributary.client.internal} holds
 * the gRPC-backed implementations; it may change in any release.
 */
package io.tributary.client;
