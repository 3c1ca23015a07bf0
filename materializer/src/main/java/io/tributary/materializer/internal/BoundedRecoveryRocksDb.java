package io.tributary.materializer.internal;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * RocksDB settings that bound what a crash costs. Kafka Streams writes its stores without RocksDB's
 * write-ahead log: rows live in memory (memtables) until RocksDB flushes them, atomically with the
 * store's committed changelog offsets (transactional state stores). A crash loses the memtables, so
 * the restart restores from the changelog exactly what they held. Smaller memtables flush more
 * often and keep that tail, and so the restart time, small and independent of the state's size.
 */
public final class BoundedRecoveryRocksDb implements RocksDBConfigSetter {
  /** At most this many bytes of writes per memtable (Kafka Streams' default: 16 MiB). */
  static final long MEMTABLE_BYTES = 4L << 20;

  /** At most this many memtables (the one being written and those waiting to be flushed). */
  static final int MEMTABLES = 3;

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    options.setWriteBufferSize(MEMTABLE_BYTES);
    options.setMaxWriteBufferNumber(MEMTABLES);
  }

  @Override
  public void close(String storeName, Options options) {}
}
