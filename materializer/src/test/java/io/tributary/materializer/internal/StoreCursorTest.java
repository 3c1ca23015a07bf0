package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.command.RowCodec;
import io.tributary.query.exec.HotCursor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cursors over a real RocksDB row store: a cursor reads the view of the moment it was opened, with
 * the high-water mark of that same view, whatever the store's writer does meanwhile.
 */
class StoreCursorTest {
  private static final byte[] PREFIX = StoreLayout.ownerPrefix(MESSAGES.id(), "u1");

  @TempDir Path stateDir;
  private KeyValueStore<Bytes, byte[]> store;

  @BeforeEach
  void openStore() {
    store =
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore("user-rows"), Serdes.Bytes(), Serdes.ByteArray())
            .withCachingDisabled()
            .withLoggingDisabled()
            .build();
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "store-cursor-test");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    MockProcessorContext<Object, Object> context =
        new MockProcessorContext<>(config, new TaskId(0, 0), stateDir.toFile());
    store.init(context.getStateStoreContext(), store);
  }

  @AfterEach
  void closeStore() {
    if (store.isOpen()) {
      store.close();
    }
  }

  @Test
  void shouldReadTheViewOfTheMomentItWasOpenedWhateverIsWrittenMeanwhile() {
    // As the command processor writes: rows and the range's watermark in one batch.
    store.putAll(List.of(row(1, 10, "a"), row(2, 11, "b"), row(3, 12, "c"), watermark(12)));

    try (HotCursor cursor = StoreScanner.open(store, MESSAGES, "u1")) {
      assertThat(cursor.highWater()).isEqualTo(12);
      Object[] first = cursor.next();
      store.putAll(List.of(row(4, 20, "d"), row(1, 21, "a2"), deleted(2), watermark(21)));
      store.putAll(List.of(row(5, 22, "e"), watermark(22)));

      List<Object[]> rows = new ArrayList<>();
      rows.add(first);
      cursor.forEachRemaining(rows::add);

      assertThat(rows)
          .containsExactly(
              new Object[] {1L, 1L, "user", "a", 10L},
              new Object[] {2L, 1L, "user", "b", 11L},
              new Object[] {3L, 1L, "user", "c", 12L});
      assertThat(cursor.highWater()).isEqualTo(12);
    }

    try (HotCursor later = StoreScanner.open(store, MESSAGES, "u1")) {
      List<Object[]> rows = new ArrayList<>();
      later.forEachRemaining(rows::add);
      assertThat(rows).extracting(r -> r[3]).containsExactly("a2", "c", "d", "e");
      assertThat(later.highWater()).isEqualTo(22);
    }
  }

  @Test
  void shouldReadTheHighWaterMarkWithoutTheRows() {
    store.putAll(List.of(row(1, 10, "a"), row(2, 11, "b"), watermark(11)));
    byte[] legacy = StoreLayout.ownerPrefix(MESSAGES.id(), "legacy");
    store.put(
        Bytes.wrap(StoreLayout.key(legacy, key(1))),
        StoreLayout.value(77, TestTables.message(1, 1, "user", "x")));
    store.put(
        Bytes.wrap(StoreLayout.key(legacy, key(2))),
        StoreLayout.value(12, TestTables.message(2, 1, "user", "y")));

    assertThat(StoreScanner.highWater(store, MESSAGES, "u1")).isEqualTo(11);
    assertThat(StoreScanner.highWater(store, MESSAGES, "legacy")).isEqualTo(77);
    assertThat(StoreScanner.highWater(store, MESSAGES, "nobody")).isEqualTo(-1);
  }

  @Test
  void shouldFailWithUnavailableWhenTheStoreClosesUnderAnOpenCursor() {
    store.putAll(List.of(row(1, 10, "a"), row(2, 11, "b"), row(3, 12, "c"), watermark(12)));
    HotCursor cursor = StoreScanner.open(store, MESSAGES, "u1");
    cursor.next();

    store.close(); // a rebalance or a shutdown closes the store and its open iterators

    assertThatThrownBy(cursor::next)
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessageStartingWith(
            "Cannot read table chat.messages: the hot store went away while it was read");
    cursor.close();
    cursor.close(); // idempotent
    assertThat(cursor.hasNext()).isFalse();
  }

  @Test
  void shouldStopAtTheEndOfItsRangeAndRefuseToReadPastIt() {
    store.putAll(List.of(row(1, 10, "a"), watermark(10)));
    store.put(
        Bytes.wrap(StoreLayout.key(StoreLayout.ownerPrefix(MESSAGES.id(), "u2"), key(9))),
        StoreLayout.value(5, TestTables.message(9, 1, "user", "other")));

    try (HotCursor cursor = StoreScanner.open(store, MESSAGES, "u1")) {
      assertThat(cursor.next()).containsExactly(1L, 1L, "user", "a", 10L);
      assertThat(cursor.hasNext()).isFalse();
      assertThatThrownBy(cursor::next)
          .hasMessage("Cannot read past the end of the range")
          .isInstanceOf(java.util.NoSuchElementException.class);
    }
  }

  private static KeyValue<Bytes, byte[]> row(long id, long seq, String content) {
    return KeyValue.pair(
        Bytes.wrap(StoreLayout.key(PREFIX, key(id))),
        StoreLayout.value(seq, TestTables.message(id, 1, "user", content)));
  }

  private static KeyValue<Bytes, byte[]> deleted(long id) {
    return KeyValue.pair(Bytes.wrap(StoreLayout.key(PREFIX, key(id))), null);
  }

  private static KeyValue<Bytes, byte[]> watermark(long seq) {
    return KeyValue.pair(Bytes.wrap(PREFIX), StoreLayout.watermarkValue(seq));
  }

  private static byte[] key(long id) {
    return RowCodec.encode(MESSAGES.primaryKeyTypes(), new Object[] {id});
  }
}
