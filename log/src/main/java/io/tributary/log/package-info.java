/**
 * The log: Tributary's source of truth.
 *
 * <p>Every write is a command appended to a Kafka log before anything else happens; all state is
 * derived from it. This package is the small public face of that log: {@link
 * io.tributary.log.LogConfig} says where the log lives (an embedded single-node KRaft broker or an
 * external cluster), {@link io.tributary.log.Log} runs it, {@link io.tributary.log.LogTopics} names
 * the fixed internal topics and decides the {@link io.tributary.log.LogRoute} (topic, partition,
 * key) of every command ({@link io.tributary.log.LogKeys}), {@link io.tributary.log.CommandWriter}
 * appends to them and {@link io.tributary.log.LogReader} reads one partition back (the catalog,
 * replay). The package knows nothing about SQL. Implementations live in {@code
 * io.tributary.log.internal}, which is not part of the API.
 */
package io.tributary.log;
