package io.tributary.server.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.DiskSpaceMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.nio.file.Path;

/**
 * The process's metrics on the server's registry: JVM memory pools and buffers ({@code
 * jvm_memory_used_bytes}, …), garbage collection pauses and heap pressure, threads, class loading,
 * JIT compilation, JVM version, CPU ({@code process_cpu_usage}, {@code system_cpu_usage}), uptime,
 * open file descriptors and the free space of the data directory's disk. Closing it stops the
 * collectors that listen to the JVM (garbage collection notifications).
 */
public final class JvmMetrics implements AutoCloseable {
  private final JvmGcMetrics gc;
  private final JvmHeapPressureMetrics heapPressure;

  private JvmMetrics(JvmGcMetrics gc, JvmHeapPressureMetrics heapPressure) {
    this.gc = gc;
    this.heapPressure = heapPressure;
  }

  /** Binds every collector to {@code registry}. */
  public static JvmMetrics bindTo(MeterRegistry registry, Path dataDir) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new JvmCompilationMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new DiskSpaceMetrics(dataDir.toAbsolutePath().toFile()).bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    JvmHeapPressureMetrics heapPressure = new JvmHeapPressureMetrics();
    heapPressure.bindTo(registry);
    return new JvmMetrics(gc, heapPressure);
  }

  @Override
  public void close() {
    gc.close();
    heapPressure.close();
  }
}
