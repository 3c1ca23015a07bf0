package io.tributary.benchmarks;

/**
 * A fan-out target with server processes outside this JVM (PostgreSQL): their CPU is the target's
 * cost, not work of other processes that disturbs the run.
 */
interface OutOfProcessCpu {
  /** CPU nanoseconds the target's own processes used so far, or -1 if unknown. */
  long outOfProcessCpuNanos();

  /** What those processes are, for the report. */
  String outOfProcessName();
}
