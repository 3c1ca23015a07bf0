package io.tributary.live.internal;

import static io.tributary.live.internal.PolicyWorld.MEMBERS;
import static io.tributary.live.internal.PolicyWorld.MEMBERSHIP;
import static io.tributary.live.internal.PolicyWorld.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.live.LiveConfig;
import io.tributary.live.StreamOwner;
import io.tributary.query.Action;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Role;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.policy.RowPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Live subscriptions under a membership policy: a change of conversation X reaches only the members
 * of X, found through the index; membership changes take effect at their position in the
 * dispatcher's order.
 */
class HubPolicyTest {
  private final PolicyWorld world = new PolicyWorld();

  @AfterEach
  void close() {
    world.close();
  }

  private static List<String> bodies(RecordingSink sink) {
    List<String> out = new ArrayList<>();
    for (String e : sink.events()) {
      String body = e.substring(e.indexOf('|') + 1);
      if (!body.startsWith("opened") && !body.startsWith("heartbeat")) {
        out.add(body);
      }
    }
    return out;
  }

  @Test
  void shouldDeliverAConversationOnlyToItsMembersAndStopAtTheRemoval() {
    world.policy("members_read", MEMBERSHIP);
    world.addMember(1, 1, "ann");
    world.addMember(2, 1, "ben");
    world.addMember(3, 1, "cy");
    world.addMember(4, 2, "ben");
    world.message(100, 1, "ann");
    RecordingSink ann = world.subscribe("ann", row -> true);
    RecordingSink ben = world.subscribe("ben", row -> true);
    RecordingSink cy = world.subscribe("cy", row -> true);
    RecordingSink dan = world.subscribe("dan", row -> true);

    world.message(101, 1, "ben");
    world.message(102, 2, "ben");
    world.delete(MEMBERS, 3); // cy leaves conversation 1 ...
    world.message(103, 1, "ann"); // ... so this message, applied after, never reaches cy

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(PolicyWorld.held(ann)).containsExactly(100L, 101L, 103L);
              assertThat(PolicyWorld.held(ben)).containsExactly(100L, 101L, 102L, 103L);
              assertThat(PolicyWorld.held(cy)).isEmpty();
              assertThat(bodies(cy))
                  .startsWith(
                      "subscribed app.messages",
                      "rows 100",
                      "ready 5",
                      "insert 101",
                      "delete 100",
                      "delete 101");
            });
    // The removal may be matched after message 103 is stored: cy may then get its delete (a row it
    // never held, which a client reconciling by key ignores), never its insert.
    assertThat(bodies(cy)).doesNotContain("insert 103", "update 103");
    assertThat(bodies(dan)).containsExactly("subscribed app.messages", "rows ", "ready 5");
    assertThat(bodies(ann)).doesNotContain("insert 102");
  }

  @Test
  void shouldSendTheConversationToAMemberAddedLaterAndEveryChangeAfter() {
    world.policy("members_read", MEMBERSHIP);
    world.addMember(1, 1, "ann");
    world.message(100, 1, "ann");
    world.message(101, 2, "ann");
    RecordingSink ben = world.subscribe("ben", row -> (Long) row[0] != 102L);
    world.addMember(2, 2, "ben");
    world.message(102, 2, "ann"); // filtered out by ben's own WHERE
    world.message(103, 2, "ann");
    world.message(104, 1, "ann");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(PolicyWorld.held(ben)).containsExactly(101L, 103L));
    assertThat(bodies(ben)).containsSubsequence("insert 101", "insert 103");
  }

  @Test
  void shouldOrPoliciesAndKeepRowsStillAllowedByAnotherPolicy() {
    world.policy("members_read", MEMBERSHIP);
    world.policy("own_read", "sender = CURRENT_USER()");
    world.addMember(1, 1, "ann");
    world.message(100, 1, "ann");
    world.message(101, 1, "ben");
    world.message(102, 2, "ann");
    RecordingSink ann = world.subscribe("ann", row -> true);
    world.delete(MEMBERS, 1);
    world.message(103, 1, "ann");
    world.message(104, 1, "ben");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(PolicyWorld.held(ann)).containsExactly(100L, 102L, 103L));
  }

  @Test
  void shouldCloseTheUserSubscriptionsOfATableWhosePoliciesChanged() {
    world.policy("members_read", MEMBERSHIP);
    world.addMember(1, 1, "ann");
    world.message(100, 1, "ann");
    RecordingSink ann = world.subscribe("ann", row -> true);
    RecordingSink agent = world.subscribe("agent", row -> true, Role.SERVICE, -1);

    world.hub.policiesChanged("app.members", 7); // another table: nothing happens
    world.hub.policiesChanged("app.messages", 8);
    world.message(101, 1, "ann");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(bodies(ann)).last().isEqualTo("error UNAVAILABLE -1");
              assertThat(bodies(agent)).contains("insert 101");
            });
    assertThat(bodies(ann)).doesNotContain("insert 101");
    assertThat(bodies(agent)).noneMatch(b -> b.startsWith("error"));
  }

  /**
   * The snapshot is filtered with the membership the dispatcher holds while it is read; a
   * membership change the dispatcher applies before the subscription goes live could have been on
   * either side of it: the subscription is closed, to subscribe again, rather than miss the rows.
   */
  @Test
  void shouldCloseASubscriptionWhoseMembershipChangedDuringItsSnapshot() {
    world.policy("members_read", MEMBERSHIP);
    world.addMember(1, 2, "ben");
    world.message(100, 1, "cy");
    RecordingSink ben = world.subscribe("ben", row -> true);
    world.onCursorClosed =
        () -> {
          // ann's snapshot has been read without conversation 1; she joins it now ...
          world.addMember(2, 1, "ann");
          world.message(101, 2, "ben");
          // ... and the dispatcher has applied the membership change once ben has 101.
          await().atMost(Duration.ofSeconds(10)).until(() -> PolicyWorld.held(ben).contains(101L));
        };
    RecordingSink ann = world.subscribe("ann", row -> true);
    world.message(102, 1, "cy");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(bodies(ann)).contains("error UNAVAILABLE -1"));
    assertThat(bodies(ann)).doesNotContain("insert 102");
  }

  @Test
  void shouldRefuseToResumeASubscriptionUnderAMembershipPolicy() {
    world.policy("members_read", MEMBERSHIP);
    world.addMember(1, 1, "ann");
    world.message(100, 1, "ann");

    assertThatThrownBy(() -> world.subscribe("ann", row -> true, Role.USER, 1))
        .isInstanceOf(TributaryException.class)
        .hasMessageContaining("subscribe again without from_seq")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(ErrorCode.RESUME_POSITION_LOST);
  }

  @Test
  void shouldCloseWithoutAResumePositionWhenARevisionDoesNotFitTheQueue() {
    try (PolicyWorld small = new PolicyWorld(LiveConfig.defaults().withStreamQueueCapacity(4))) {
      small.policy("members_read", MEMBERSHIP);
      for (long id = 100; id < 110; id++) {
        small.message(id, 1, "cy");
      }
      RecordingSink ann = small.subscribe("ann", row -> true);
      small.addMember(1, 1, "ann"); // ten inserts, for a queue of four

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(bodies(ann)).last().isEqualTo("error SUBSCRIBER_TOO_SLOW -1"));
      assertThat(PolicyWorld.held(ann)).isEmpty();
    }
  }

  @Test
  void shouldReadOneMembershipChangeForAllTheUsersSubscriptionsInOneScan() {
    world.policy("members_read", MEMBERSHIP);
    world.message(100, 1, "cy");
    world.message(101, 2, "cy");
    RecordingSink all = world.subscribe("ann", row -> true);
    RecordingSink first = world.subscribe("ann", row -> (Long) row[0] == 100L);
    RecordingSink other = world.subscribe("ann", row -> (Long) row[0] == 101L);
    int before = world.opened.get();

    world.addMember(1, 1, "ann");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(PolicyWorld.held(all)).containsExactly(100L);
              assertThat(PolicyWorld.held(first)).containsExactly(100L);
            });
    assertThat(world.opened.get() - before).isEqualTo(1);
    assertThat(PolicyWorld.held(other)).isEmpty();
  }

  @Test
  void shouldOfferAChangeOnlyToTheSubscriptionsOfTheConversationsMembers() {
    world.policy("members_read", MEMBERSHIP);
    for (int u = 0; u < 1_000; u++) {
      world.addMember(u, u % 100, "user" + u); // ten members per conversation
    }
    Memberships memberships = new Memberships(() -> world);
    SubscriptionIndex index = new SubscriptionIndex(memberships);
    for (int u = 0; u < 1_000; u++) {
      RowPolicy policy = world.policyOf("user" + u);
      policy.memberships().forEach(memberships::ensureLoaded);
      LiveQuery query =
          new LiveQuery(MESSAGES, null, null, row -> true, List.of(), -1, -1, 500)
              .withPolicy(policy);
      index.add(
          new Subscription(
              "s" + u, null, query, query.columns(), "user" + u, "user" + u, 0, null, new byte[0]));
    }
    List<Subscription> candidates = new ArrayList<>();
    index.candidates(MESSAGES.id(), null, null, new Object[] {1L, 42L, "x", 9L}, candidates);

    assertThat(candidates)
        .extracting(s -> s.user)
        .containsExactlyInAnyOrder(
            "user42", "user142", "user242", "user342", "user442", "user542", "user642", "user742",
            "user842", "user942");
  }

  /**
   * The race between a subscription's set-up and a membership change: the snapshot is matched with
   * the dispatcher's membership, which may lag the store the snapshot reads. Here the dispatcher is
   * held while ann is removed and ben then posts; ann's snapshot, read after both, must not hold
   * ben's message: the set-up waits for the dispatcher to reach its snapshot.
   */
  @Test
  void shouldNotSendAMemberRemovedBeforeItsSnapshotAMessageWrittenAfterTheRemoval()
      throws Exception {
    world.policy("members_read", MEMBERSHIP);
    world.addMember(1, 1, "ann");
    world.addMember(2, 1, "ben");
    world.message(100, 1, "ben");
    RecordingSink ben = world.subscribe("ben", row -> true); // loads the membership
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    world.subscribe(
        "agent",
        row -> {
          if ((Long) row[0] == 999L) {
            held.countDown();
            awaitLatch(release);
          }
          return true;
        },
        Role.SERVICE,
        -1);
    world.message(999, 9, "agent"); // the dispatcher stops on it
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    world.delete(MEMBERS, 1); // ann's removal is acknowledged ...
    world.message(101, 1, "ben"); // ... before ben posts

    CompletableFuture<RecordingSink> ann =
        CompletableFuture.supplyAsync(() -> world.subscribe("ann", row -> true));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ann.isDone() || world.hub.awaitingDispatcher() > 0);
    release.countDown();

    RecordingSink annSink = ann.get(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(PolicyWorld.held(ben)).containsExactly(100L, 101L));
    assertThat(PolicyWorld.held(annSink)).isEmpty();
    assertThat(bodies(annSink)).noneMatch(b -> b.contains("101"));
  }

  /**
   * The race between a subscription's set-up and a policy change: analyzed under the policies
   * before the change, registered after the hub was told of it, it is refused rather than left
   * under the old policies; analyzed after the change, it is accepted.
   */
  @Test
  void shouldRefuseASubscriptionAnalyzedBeforeAPolicyChangeAndRegisteredAfterIt() {
    world.policy("members_read", MEMBERSHIP);
    world.addMember(1, 1, "ann");
    world.message(100, 1, "ann");
    Action.Subscribe analyzed =
        new Action.Subscribe(
                new LiveQuery(MESSAGES, null, null, row -> true, List.of(), -1, -1, 500)
                    .withPolicy(world.policyOf("ann")),
                "ann",
                Role.USER,
                "ann")
            .withCatalogVersion(12);
    world.hub.policiesChanged("app.messages", 12); // e.g. DROP POLICY, at catalog offset 12
    StreamOwner owner = new StreamOwner("ann", "ann", 0);
    RecordingSink sink = new RecordingSink();
    String stream = world.hub.openStream(owner, sink);

    assertThatThrownBy(() -> world.hub.subscribe(owner, stream, analyzed))
        .isInstanceOf(TributaryException.class)
        .hasMessageContaining("row policies changed while the subscription was set up")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(world.hub.systemLiveRows("ann", Role.USER)).isEmpty();

    world.hub.subscribe(owner, stream, analyzed.withCatalogVersion(13));
    // The stream's writer thread hands the events to the sink after subscribe returns.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(bodies(sink)).contains("rows 100"));
  }

  /**
   * A membership change's revision is read off the dispatcher: while its scan is held, the
   * dispatcher keeps delivering to others, and the subscriber's own later changes follow its
   * revision.
   */
  @Test
  void shouldReadARevisionOffTheDispatcherAndSendTheChangesAfterIt() throws Exception {
    world.policy("members_read", MEMBERSHIP);
    world.addMember(1, 1, "ben");
    world.message(100, 2, "cy");
    RecordingSink ann = world.subscribe("ann", row -> true);
    RecordingSink ben = world.subscribe("ben", row -> true);
    CountDownLatch scanning = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    world.onCursorClosed =
        () -> {
          scanning.countDown();
          awaitLatch(release);
        };
    world.addMember(2, 2, "ann"); // ann joins conversation 2: her revision's scan is held
    assertThat(scanning.await(10, TimeUnit.SECONDS)).isTrue();
    world.message(101, 1, "ben");
    world.message(102, 2, "cy"); // ann's, after her revision

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(PolicyWorld.held(ben)).containsExactly(101L));
    assertThat(bodies(ann)).noneMatch(b -> b.startsWith("insert"));
    release.countDown();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(PolicyWorld.held(ann)).containsExactly(100L, 102L));
    assertThat(bodies(ann)).containsSubsequence("insert 100", "insert 102");
  }

  /**
   * The race between a revision and a later removal: ann joins, her revision is about to read the
   * store when she is removed (acknowledged, the dispatcher not there yet) and cy then posts. The
   * revision's view holds cy's message; it must judge it by a membership at least as new as the
   * view, so ann never receives it.
   */
  @Test
  void shouldNotSendInARevisionAMessageWrittenAfterALaterRemoval() throws Exception {
    world.policy("members_read", MEMBERSHIP);
    world.message(100, 2, "cy");
    RecordingSink ann = world.subscribe("ann", row -> true); // loads the membership
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    world.subscribe(
        "agent",
        row -> {
          if ((Long) row[0] == 999L) {
            held.countDown();
            awaitLatch(release);
          }
          return true;
        },
        Role.SERVICE,
        -1);
    CountDownLatch opening = new CountDownLatch(1);
    CountDownLatch read = new CountDownLatch(1);
    world.onCursorOpening =
        () -> {
          opening.countDown();
          awaitLatch(read);
        };
    world.addMember(2, 2, "ann"); // ann joins conversation 2: her revision is about to read
    assertThat(opening.await(10, TimeUnit.SECONDS)).isTrue();
    world.message(999, 9, "agent"); // the dispatcher stops on it
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    world.delete(MEMBERS, 2); // ann's removal is acknowledged ...
    world.message(101, 2, "cy"); // ... before cy posts
    read.countDown(); // the revision's view now holds 101
    release.countDown();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> world.hub.systemLiveRows("agent", Role.SERVICE).size() == 1);
    world.message(102, 1, "cy"); // a later change: everything before it has been dispatched
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(PolicyWorld.held(ann)).isEmpty());
    assertThat(bodies(ann)).noneMatch(b -> b.equals("insert 101") || b.contains("101,"));
    assertThat(bodies(ann)).noneMatch(b -> b.startsWith("rows") && b.contains("101"));
  }

  /**
   * A table keyed by conversation first: a membership change's revision reads only that
   * conversation's rows (a key prefix), not the table.
   */
  @Test
  void shouldReadARevisionOfATableKeyedByConversationUnderThatConversationOnly() {
    world.policy(PolicyWorld.THREADS, "members_read", MEMBERSHIP);
    world.put(PolicyWorld.THREADS, new Object[] {100L, 1L, "cy"});
    world.put(PolicyWorld.THREADS, new Object[] {101L, 2L, "cy"});
    RecordingSink ann = world.subscribe(PolicyWorld.THREADS, "ann", row -> true, Role.USER, -1);
    world.prefixes.clear();

    world.addMember(1, 2, "ann");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(PolicyWorld.held(ann)).containsExactly(101L));
    assertThat(world.prefixes).containsExactly(List.of(2L));
  }

  /**
   * Changes wait behind a revision being read, at most the stream's queue capacity of them; past it
   * the subscriber is closed without a resume position, and the revision is not sent after.
   */
  @Test
  void shouldCloseASubscriberWhoseChangesOverflowWhileItsRevisionIsRead() throws Exception {
    try (PolicyWorld small = new PolicyWorld(LiveConfig.defaults().withStreamQueueCapacity(4))) {
      small.policy("members_read", MEMBERSHIP);
      small.addMember(1, 1, "ann");
      small.message(99, 2, "cy");
      RecordingSink ann = small.subscribe("ann", row -> true);
      CountDownLatch scanning = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      small.onCursorClosed =
          () -> {
            scanning.countDown();
            awaitLatch(release);
          };
      small.addMember(2, 2, "ann");
      assertThat(scanning.await(10, TimeUnit.SECONDS)).isTrue();
      for (long id = 100; id < 106; id++) {
        small.message(id, 1, "cy"); // six changes wait behind the revision, for a queue of four
      }

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(bodies(ann)).last().isEqualTo("error SUBSCRIBER_TOO_SLOW -1"));
      release.countDown();
      small.message(106, 1, "cy");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> small.hub.systemLiveRows("ann", Role.USER).isEmpty());
      assertThat(bodies(ann)).last().isEqualTo("error SUBSCRIBER_TOO_SLOW -1");
      assertThat(bodies(ann)).noneMatch(b -> b.startsWith("insert"));
    }
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
