package io.tributary.benchmarks.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The delivery check itself: duplicates and deliveries to non-members are caught. */
class ScheduleTest {

  @Test
  void shouldCountEachMemberOnceAndCatchDuplicatesAndNonMembers() {
    ChatOptions o =
        ChatOptions.parse(
            new String[] {
              "--users=20",
              "--conversations=5",
              "--writers=2",
              "--steps=10",
              "--step-seconds=1",
              "--warmup-seconds=0",
              "--results-dir=none"
            });
    Conversations world = new Conversations(20, 5, 2, 10, 2, 17);
    Schedule schedule = new Schedule(o, world);
    int n = 3; // phase 1 (the only step: the warm-up has no changes)
    int[] members = world.members(schedule.conversationOf(n));
    int outsider = 0;
    while (world.bit(outsider, schedule.conversationOf(n)) >= 0) {
      outsider++;
    }

    for (int member : members) {
      schedule.received(member, n, System.nanoTime());
    }
    schedule.received(members[0], n, System.nanoTime());
    schedule.received(outsider, n, System.nanoTime());
    schedule.received(members[0], 1_000_000, System.nanoTime());

    assertThat(schedule.deliveries(1)).isEqualTo(members.length);
    assertThat(schedule.duplicates(1)).isEqualTo(1);
    assertThat(schedule.foreign()).isEqualTo(2);
  }

  @Test
  void shouldGiveEveryConversationItsMemberCountAndEveryReaderItsBits() {
    Conversations world = new Conversations(50, 40, 2, 10, 4, 1);
    for (int c = 0; c < world.count(); c++) {
      int[] members = world.members(c);
      assertThat(members.length).isBetween(2, 10);
      assertThat(members).doesNotHaveDuplicates();
      for (int b = 0; b < members.length; b++) {
        assertThat(world.bit(members[b], c)).isEqualTo(b);
        assertThat(world.of(members[b])).contains(c);
      }
      assertThat(world.fullMask(c)).isEqualTo((1 << members.length) - 1);
    }
  }
}
