package io.tributary.server.internal;

import io.tributary.query.Environment;
import io.tributary.server.auth.Passwords;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * The accepting node's sources of time and identity. Snowflake ids: 41 bits of milliseconds since
 * 2025-01-01, 10 bits of node id, 12 bits of sequence; they never go backwards on this node even if
 * the clock does.
 */
public final class NodeEnvironment implements Environment {
  private static final long EPOCH_MILLIS = 1_735_689_600_000L; // 2025-01-01T00:00:00Z

  private final Clock clock;
  private final long nodeId;
  private final SecureRandom random = new SecureRandom();
  private long lastMillis = -1;
  private long sequence;

  public NodeEnvironment(Clock clock, int nodeId) {
    if (nodeId < 0 || nodeId > 1023) {
      throw new IllegalArgumentException("Cannot use node id " + nodeId + ": expected 0..1023");
    }
    this.clock = clock;
    this.nodeId = nodeId;
  }

  @Override
  public long nowMillis() {
    return clock.millis();
  }

  @Override
  public synchronized long nextId() {
    long millis = Math.max(clock.millis(), lastMillis);
    if (millis == lastMillis) {
      sequence = (sequence + 1) & 0xFFF;
      if (sequence == 0) {
        millis = lastMillis + 1; // borrow the next millisecond rather than wait for it
      }
    } else {
      sequence = 0;
    }
    lastMillis = millis;
    return ((millis - EPOCH_MILLIS) << 22) | (nodeId << 12) | sequence;
  }

  @Override
  public String uuidV7() {
    long millis = clock.millis();
    long randA = random.nextInt(1 << 12);
    long high = (millis << 16) | (0x7L << 12) | randA;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  @Override
  public String requestId() {
    return UUID.randomUUID().toString();
  }

  @Override
  public String hashPassword(String password) {
    return Passwords.hash(password);
  }
}
