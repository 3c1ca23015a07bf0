package io.tributary.benchmarks.chat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Who is in which conversation: each conversation has {@code min..max} reader members drawn at
 * random (seeded) among the readers, and one writer, {@code c % writers}. A reader's member bit in
 * a conversation is its place in that conversation's member list, so one change's deliveries fit in
 * an {@code int} mask.
 */
final class Conversations {
  private final int[][] members;
  private final List<Map<Integer, Integer>> bitOf; // reader -> conversation -> member bit
  private final int writers;

  /**
   * The one-to-one layout: conversation {@code r} is reader {@code r}'s own (an assistant answering
   * that user), written by writer {@code r % writers}.
   */
  static Conversations direct(int readers, int writers) {
    return new Conversations(readers, readers, 1, 1, writers, 0, true);
  }

  Conversations(int readers, int conversations, int min, int max, int writers, long seed) {
    this(readers, conversations, min, max, writers, seed, false);
  }

  private Conversations(
      int readers, int conversations, int min, int max, int writers, long seed, boolean direct) {
    Random random = new Random(seed);
    this.members = new int[conversations][];
    this.writers = writers;
    this.bitOf = new ArrayList<>();
    for (int r = 0; r < readers; r++) {
      bitOf.add(new HashMap<>());
    }
    for (int c = 0; c < conversations; c++) {
      int size = min + random.nextInt(max - min + 1);
      Set<Integer> chosen = new LinkedHashSet<>();
      if (direct) {
        chosen.add(c); // the reader's own conversation
      }
      while (chosen.size() < size) {
        chosen.add(random.nextInt(readers));
      }
      members[c] = chosen.stream().mapToInt(Integer::intValue).toArray();
      for (int bit = 0; bit < members[c].length; bit++) {
        bitOf.get(members[c][bit]).put(c, bit);
      }
    }
  }

  int count() {
    return members.length;
  }

  int[] members(int conversation) {
    return members[conversation];
  }

  /** The mask of a change to {@code conversation} once every member has received it. */
  int fullMask(int conversation) {
    return (1 << members[conversation].length) - 1;
  }

  /** The reader's bit in the conversation, or -1 if it is not a member. */
  int bit(int reader, int conversation) {
    Integer b = bitOf.get(reader).get(conversation);
    return b == null ? -1 : b;
  }

  /** The conversations of a reader, in no particular order. */
  Set<Integer> of(int reader) {
    return bitOf.get(reader).keySet();
  }

  int writerOf(int conversation) {
    return conversation % writers;
  }

  int subscriptions() {
    int n = 0;
    for (int[] m : members) {
      n += m.length;
    }
    return n;
  }
}
