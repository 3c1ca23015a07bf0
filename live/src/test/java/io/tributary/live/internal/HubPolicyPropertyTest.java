package io.tributary.live.internal;

import static io.tributary.live.internal.PolicyWorld.MEMBERS;
import static io.tributary.live.internal.PolicyWorld.MEMBERSHIP;
import static io.tributary.live.internal.PolicyWorld.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.query.expr.RowPredicate;
import io.tributary.query.policy.Membership;
import io.tributary.query.policy.MembershipView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random memberships, policies, writes, subscriptions and membership changes: every subscriber ends
 * up holding exactly the rows its policy and filter allow, no more and no fewer, and that is what a
 * SELECT under the same policy returns ({@code RowPolicy.resolve} over the stored membership, the
 * server's SELECT path). Along the way no subscriber is sent an update of a row it does not hold.
 */
class HubPolicyPropertyTest {
  private static final List<String> USERS = List.of("u0", "u1", "u2", "u3");

  /**
   * One step: {@code kind} 0 add member, 1 remove member, 2 write a message (an update of its
   * sender if it exists), 3 delete, 4 re-send by another sender.
   */
  record Op(int kind, int user, int conversation, int message) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> op =
        Combinators.combine(
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, USERS.size() - 1),
                Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(0, 15))
            .as(Op::new);
    return op.list().ofMinSize(1).ofMaxSize(40);
  }

  @Property(tries = 25)
  void everySubscriberHoldsExactlyWhatItsPolicyAllows(
      @ForAll("ops") List<Op> before,
      @ForAll("ops") List<Op> after,
      @ForAll @IntRange(min = 0, max = 2) int policies,
      @ForAll @Size(4) List<@IntRange(min = 1, max = 3) Integer> filters) {
    try (PolicyWorld world = new PolicyWorld()) {
      world.policy("members_read", MEMBERSHIP);
      if (policies >= 1) {
        world.policy("own_read", "sender = CURRENT_USER()");
      }
      if (policies == 2) {
        world.policy("even_read", MEMBERSHIP + " AND MOD(id, 2) = 0");
      }
      before.forEach(o -> apply(world, o));
      Map<String, RecordingSink> sinks = new java.util.concurrent.ConcurrentHashMap<>();
      Map<String, RowPredicate> filterOf = new HashMap<>();
      for (int u = 0; u < USERS.size(); u++) {
        int modulo = filters.get(u);
        RowPredicate filter = row -> (Long) row[0] % modulo == 0 || modulo == 1;
        filterOf.put(USERS.get(u), filter);
        sinks.put(USERS.get(u), world.subscribe(USERS.get(u), filter));
      }
      after.forEach(o -> apply(world, o));

      MembershipView stored = storedMembership(world);
      for (String user : USERS) {
        RowPredicate select = world.policyOf(user).resolve(stored);
        List<Long> expected = new ArrayList<>();
        for (Object[] row : world.rows(MESSAGES)) {
          if (select.test(row) && filterOf.get(user).test(row)) {
            expected.add((Long) row[0]);
          }
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> {
                  // Closed while its snapshot met a membership change: it subscribes again, as a
                  // client told UNAVAILABLE does (docs/sql.md).
                  if (closedToSubscribeAgain(sinks.get(user))) {
                    sinks.put(user, world.subscribe(user, filterOf.get(user)));
                  }
                  assertThat(PolicyWorld.held(sinks.get(user))).as(user).isEqualTo(expected);
                });
        assertNoUpdateOfARowNotHeld(sinks.get(user));
      }
    }
  }

  private static void apply(PolicyWorld world, Op o) {
    String user = USERS.get(o.user());
    long memberId = o.conversation() * 10L + o.user();
    switch (o.kind()) {
      case 0 -> world.addMember(memberId, o.conversation(), user);
      case 1 -> world.delete(MEMBERS, memberId);
      case 2 -> {
        // a message stays in its conversation (users may not move one: docs/sql.md)
        long conversation = o.conversation();
        for (Object[] row : world.rows(MESSAGES)) {
          if ((Long) row[0] == o.message()) {
            conversation = (Long) row[1];
          }
        }
        world.message(o.message(), conversation, user);
      }
      case 3 -> world.delete(MESSAGES, o.message());
      default -> {
        // the same message written again by someone else: an update of its sender
        for (Object[] row : world.rows(MESSAGES)) {
          if ((Long) row[0] == o.message()) {
            world.message(o.message(), (Long) row[1], user);
          }
        }
      }
    }
  }

  private static boolean closedToSubscribeAgain(RecordingSink sink) {
    List<String> events = sink.events();
    return !events.isEmpty() && events.get(events.size() - 1).endsWith("error UNAVAILABLE -1");
  }

  private static MembershipView storedMembership(PolicyWorld world) {
    Map<String, Set<Object>> byUser = new HashMap<>();
    for (Object[] row : world.rows(MEMBERS)) {
      byUser.computeIfAbsent((String) row[2], u -> new HashSet<>()).add(row[1]);
    }
    return (Membership m, String user) -> byUser.getOrDefault(user, Set.of());
  }

  private static void assertNoUpdateOfARowNotHeld(RecordingSink sink) {
    Set<String> held = new HashSet<>();
    for (String event : sink.events()) {
      String[] parts = event.substring(event.indexOf('|') + 1).split(" ");
      switch (parts[0]) {
        case "rows" -> {
          if (parts.length > 1 && !parts[1].isEmpty()) {
            held.addAll(List.of(parts[1].split(",")));
          }
        }
        case "insert" -> held.add(parts[1]);
        case "update" -> assertThat(held).as("update of a row not held").contains(parts[1]);
        case "delete" -> held.remove(parts[1]);
        default -> {}
      }
    }
  }
}
