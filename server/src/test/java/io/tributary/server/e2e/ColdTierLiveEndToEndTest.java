package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.client.EventStream;
import io.tributary.client.LiveEvent;
import io.tributary.client.Row;
import io.tributary.client.TributaryClient;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live reads of flushed rows: a subscription's snapshot, its {@code last_rows} and a live SELECT
 * merge the hot and cold tiers exactly as a SELECT does (each row once, the newest version, then
 * the live changes), and a row policy reads membership from a members table that has flushed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ColdTierLiveEndToEndTest {
  @TempDir Path dataDir;

  @Test
  void shouldSendFlushedRowsInSnapshotsAndLastRowsThenTheChanges() {
    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE cl;"
              + "CREATE TABLE cl.msgs (id INT PRIMARY KEY, body TEXT);"
              + "CREATE USER 'dora' WITH PASSWORD 'dora-password';"
              + "CREATE USER 'egon' WITH PASSWORD 'egon-password'");
      try (TributaryClient dora = connect(server, "dora", "dora-password");
          TributaryClient egon = connect(server, "egon", "egon-password")) {
        dora.update("INSERT INTO cl.msgs VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four')");
        egon.update("INSERT INTO cl.msgs VALUES (1, 'egon one')");
        root.update("STORAGE FLUSH TABLE cl.msgs");
        assertThat(server.storeEntries("cl", "msgs")).isEqualTo(2); // the two watermarks

        // Everything is cold: the snapshot comes from the cold tier alone, last_rows too.
        try (EventStream all = dora.stream("SUBSCRIBE TO cl.msgs")) {
          assertThat(snapshot(all)).containsExactly("1=one", "2=two", "3=three", "4=four");
        }
        try (EventStream last = dora.stream("SUBSCRIBE TO cl.msgs OPTIONS (last_rows = 2)")) {
          assertThat(snapshot(last)).containsExactly("3=three", "4=four");
        }

        // A flushed row updated after the flush, and new rows: both tiers hold some.
        dora.update("UPDATE cl.msgs SET body = 'two!' WHERE id = 2");
        dora.update("INSERT INTO cl.msgs VALUES (5, 'five')");
        dora.update("INSERT INTO cl.msgs VALUES (6, 'six')");

        // Each row once, with its newest value: the cold winners, then the hot rows in key order.
        try (EventStream all = dora.stream("SUBSCRIBE TO cl.msgs")) {
          assertThat(snapshot(all))
              .containsExactly("1=one", "3=three", "4=four", "2=two!", "5=five", "6=six");
          // then the live changes, of a cold row and of a new one
          dora.update("UPDATE cl.msgs SET body = 'one!' WHERE id = 1");
          dora.update("INSERT INTO cl.msgs VALUES (7, 'seven')");
          dora.update("DELETE FROM cl.msgs WHERE id = 3");
          assertThat(changes(all, 3)).containsExactly("1=one -> 1=one!", "+7=seven", "-3=three");
        }
        // last_rows reaches into the cold tier when the hot one holds fewer: in _seq order when
        // it keeps some of the rows, in the snapshot's order when it keeps them all
        try (EventStream last = dora.stream("SUBSCRIBE TO cl.msgs OPTIONS (last_rows = 5)")) {
          assertThat(snapshot(last))
              .containsExactly("2=two!", "5=five", "6=six", "1=one!", "7=seven");
        }
        try (EventStream last = dora.stream("SUBSCRIBE TO cl.msgs OPTIONS (last_rows = 6)")) {
          assertThat(snapshot(last))
              .containsExactly("4=four", "1=one!", "2=two!", "5=five", "6=six", "7=seven");
        }
        // the subscription's WHERE is pushed into the cold scan and applied to the merged rows
        try (EventStream some = dora.stream("SUBSCRIBE TO cl.msgs WHERE id <= 4")) {
          assertThat(snapshot(some)).containsExactly("4=four", "1=one!", "2=two!");
        }
        // a live SELECT with ORDER BY and LIMIT over both tiers
        try (EventStream top = dora.stream("SELECT id, body FROM cl.msgs ORDER BY id LIMIT 3")) {
          assertThat(snapshot(top)).containsExactly("1=one!", "2=two!", "4=four");
        }
        // another user's flushed rows stay theirs
        try (EventStream others = egon.stream("SUBSCRIBE TO cl.msgs")) {
          assertThat(snapshot(others)).containsExactly("1=egon one");
        }

        // a second flush: everything cold again, the same snapshot
        root.update("STORAGE FLUSH TABLE cl.msgs");
        try (EventStream all = dora.stream("SUBSCRIBE TO cl.msgs")) {
          assertThat(snapshot(all))
              .containsExactlyInAnyOrder(
                  "1=one!", "2=two!", "4=four", "5=five", "6=six", "7=seven");
        }
      }
    }
  }

  @Test
  void shouldReadMembershipFromAFlushedMembersTable() {
    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE cm;"
              + "CREATE SHARED TABLE cm.members (id INT PRIMARY KEY, conversation_id INT NOT NULL,"
              + " user_name TEXT NOT NULL);"
              + "CREATE SHARED TABLE cm.posts (id INT PRIMARY KEY, conversation_id INT NOT NULL,"
              + " content TEXT) WITH (ACCESS_LEVEL = 'public');"
              + "CREATE POLICY members_read ON cm.posts FOR SELECT USING (conversation_id IN"
              + " (SELECT conversation_id FROM cm.members WHERE user_name = CURRENT_USER()));"
              + "CREATE USER 'cm_ann' WITH PASSWORD 'ann-password';"
              + "INSERT INTO cm.members VALUES (1, 7, 'cm_ann'), (2, 8, 'someone');"
              + "INSERT INTO cm.posts VALUES (1, 7, 'hello'), (2, 8, 'secret'), (3, 7, 'again')");
      root.update("STORAGE FLUSH TABLE cm.members");
      root.update("STORAGE FLUSH TABLE cm.posts");
      root.update("INSERT INTO cm.posts VALUES (4, 7, 'hot one'), (5, 8, 'hot secret')");
      try (TributaryClient ann = connect(server, "cm_ann", "ann-password")) {
        assertThat(ann.query("SELECT id, content FROM cm.posts ORDER BY id").rows())
            .extracting(r -> r.getInteger("id") + "=" + r.getString("content"))
            .containsExactly("1=hello", "3=again", "4=hot one");
        try (EventStream posts = ann.stream("SUBSCRIBE TO cm.posts")) {
          assertThat(snapshot(posts, "content")).containsExactly("1=hello", "3=again", "4=hot one");
          // a membership granted now (hot) over a flushed one: conversation 8 enters
          root.update("INSERT INTO cm.members VALUES (3, 8, 'cm_ann')");
          List<String> entered = new ArrayList<>();
          while (entered.size() < 2 && posts.hasNext()) {
            if (posts.next() instanceof LiveEvent.Insert insert) {
              entered.add(text(insert.row(), "content"));
            }
          }
          assertThat(entered).containsExactlyInAnyOrder("2=secret", "5=hot secret");
        }
      }
    }
  }

  /** The snapshot's rows as id=body, up to Ready. */
  private static List<String> snapshot(EventStream stream) {
    return snapshot(stream, "body");
  }

  private static List<String> snapshot(EventStream stream, String column) {
    List<String> rows = new ArrayList<>();
    while (stream.hasNext()) {
      LiveEvent event = stream.next();
      if (event instanceof LiveEvent.Snapshot s) {
        s.rows().forEach(r -> rows.add(text(r, column)));
      } else if (event instanceof LiveEvent.Ready) {
        return rows;
      } else if (event instanceof LiveEvent.Failed f) {
        throw f.error();
      }
    }
    throw new AssertionError("The stream ended before Ready: " + rows);
  }

  /** The next n changes as "+row", "-row" or "old -> new". */
  private static List<String> changes(EventStream stream, int n) {
    List<String> out = new ArrayList<>();
    while (out.size() < n && stream.hasNext()) {
      LiveEvent event = stream.next();
      if (event instanceof LiveEvent.Insert i) {
        out.add("+" + text(i.row(), "body"));
      } else if (event instanceof LiveEvent.Update u) {
        out.add(text(u.oldRow(), "body") + " -> " + text(u.newRow(), "body"));
      } else if (event instanceof LiveEvent.Delete d) {
        out.add("-" + text(d.row(), "body"));
      } else if (event instanceof LiveEvent.Failed f) {
        throw f.error();
      }
    }
    return out;
  }

  private static String text(Row row, String column) {
    return row.getInteger("id") + "=" + row.getString(column);
  }

  private static TributaryClient connect(TributaryServer server, String user, String password) {
    TributaryClient client = TributaryClient.connect("http://127.0.0.1:" + server.port());
    client.login(user, password);
    return client;
  }
}
