/**
 * The materializer (DESIGN.md sections 3 and 4): a Kafka Streams topology that applies the write
 * commands of the log to per-user state stores, emits row changes to the {@code changes} topic and
 * serves the hot tier of queries.
 *
 * <p>Public types: {@link io.tributary.materializer.Materializer}, {@link
 * io.tributary.materializer.ApplyListener}, {@link io.tributary.materializer.ChangeListener}, and
 * {@link io.tributary.materializer.AppliedChange}. Everything under {@code
 * io.tributary.materializer.internal} may change without notice.
 */
package io.tributary.materializer;
