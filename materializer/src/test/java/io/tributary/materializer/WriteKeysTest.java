package io.tributary.materializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class WriteKeysTest {
  @Test
  void shouldEncodeUserKeysAsUtf8AndSharedKeysAsBigEndianIds() {
    assertThat(WriteKeys.userKey("ü1")).containsExactly(0xC3, 0xBC, '1');
    assertThat(WriteKeys.sharedKey(0x0102030405060708L)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void shouldPickThePartitionOfKafkasDefaultPartitioner() {
    for (String owner : new String[] {"u1", "u2", "alice", "bob", "", "ü"}) {
      byte[] key = WriteKeys.userKey(owner);
      for (int partitions = 1; partitions <= 12; partitions++) {
        assertThat(WriteKeys.partition(key, partitions))
            .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
      }
    }
  }

  @Test
  void shouldRefuseANonPositivePartitionCount() {
    assertThatThrownBy(() -> WriteKeys.partition(new byte[] {1}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partitions must be positive, got 0");
  }
}
