package io.tributary.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class LogKeysTest {
  @Test
  void shouldEncodeUserKeysAsUtf8AndSharedKeysAsBigEndianIds() {
    assertThat(LogKeys.userKey("ü1")).containsExactly(0xC3, 0xBC, '1');
    assertThat(LogKeys.sharedKey(0x0102030405060708L)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void shouldPickThePartitionOfKafkasDefaultPartitioner() {
    for (String owner : new String[] {"u1", "u2", "alice", "bob", "", "ü"}) {
      byte[] key = LogKeys.userKey(owner);
      for (int partitions = 1; partitions <= 12; partitions++) {
        assertThat(LogKeys.partition(key, partitions))
            .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
      }
    }
  }

  @Test
  void shouldRefuseANonPositivePartitionCount() {
    assertThatThrownBy(() -> LogKeys.partition(new byte[] {1}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partitions must be positive, got 0");
  }
}
