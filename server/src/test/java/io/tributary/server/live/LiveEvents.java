package io.tributary.server.live;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers to read live events in tests: a compact text per event and a state rebuilt from them. */
final class LiveEvents {
  private LiveEvents() {}

  /** "insert 3", "update 1", "delete 2", or the event kind for the others. */
  static String describe(LiveEvent e) {
    if (e.hasInsert()) {
      return "insert " + text(e.getInsert().getRow().getValues(0));
    }
    if (e.hasUpdate()) {
      return "update " + text(e.getUpdate().getNewRow().getValues(0));
    }
    if (e.hasDelete()) {
      return "delete " + text(e.getDelete().getRow().getValues(0));
    }
    return e.getEventCase().name().toLowerCase();
  }

  static long seq(LiveEvent e) {
    if (e.hasInsert()) {
      return e.getInsert().getSeq();
    }
    if (e.hasUpdate()) {
      return e.getUpdate().getSeq();
    }
    if (e.hasDelete()) {
      return e.getDelete().getSeq();
    }
    return -1;
  }

  static boolean isChange(LiveEvent e) {
    return e.hasInsert() || e.hasUpdate() || e.hasDelete();
  }

  static List<String> describeAll(List<LiveEvent> events) {
    List<String> out = new ArrayList<>();
    for (LiveEvent e : events) {
      if (!e.hasHeartbeat()) {
        out.add(describe(e));
      }
    }
    return out;
  }

  static String text(Value v) {
    return switch (v.getKindCase()) {
      case INT_VALUE -> String.valueOf(v.getIntValue());
      case BIGINT_VALUE -> String.valueOf(v.getBigintValue());
      case TEXT_VALUE -> v.getTextValue();
      case KIND_NOT_SET -> "NULL";
      default -> v.toString().trim();
    };
  }

  /**
   * The rows a subscriber holds after these events, keyed by the first column (without {@code
   * _seq}); fails on a duplicate or a gap: an insert of a key it holds, an update or delete of one
   * it does not, or a change whose {@code _seq} does not grow.
   */
  static Map<String, List<String>> rebuild(List<LiveEvent> events) {
    Map<String, List<String>> state = new LinkedHashMap<>();
    long last = Long.MIN_VALUE;
    for (LiveEvent e : events) {
      if (e.hasInitialRows()) {
        for (Row r : e.getInitialRows().getRowsList()) {
          put(state, r, true);
        }
      } else if (e.hasReady()) {
        last = e.getReady().getSeq();
      } else if (isChange(e)) {
        long seq = seq(e);
        if (seq <= last) {
          throw new AssertionError("change " + describe(e) + " with _seq " + seq + " <= " + last);
        }
        last = seq;
        if (e.hasInsert()) {
          put(state, e.getInsert().getRow(), true);
        } else if (e.hasUpdate()) {
          put(state, e.getUpdate().getNewRow(), false);
        } else {
          String key = text(e.getDelete().getRow().getValues(0));
          if (state.remove(key) == null) {
            throw new AssertionError("delete of missing key " + key);
          }
        }
      }
    }
    return state;
  }

  private static void put(Map<String, List<String>> state, Row r, boolean insert) {
    String key = text(r.getValues(0));
    List<String> values = new ArrayList<>();
    for (int i = 0; i < r.getValuesCount() - 1; i++) {
      values.add(text(r.getValues(i)));
    }
    List<String> previous = state.put(key, values);
    if (insert && previous != null) {
      throw new AssertionError("insert of existing key " + key);
    }
    if (!insert && previous == null) {
      throw new AssertionError("update of missing key " + key);
    }
  }

  /**
   * The rows a subscriber holds after these events, keyed by their primary key values (the key
   * columns named by Subscribed, joined with "|"), each as its values without {@code _seq}. Fails
   * on a duplicate or a gap, as {@link #rebuild} does, except that the several events of one change
   * (a live SELECT with LIMIT) share its {@code _seq}; and, when {@code maxRows >= 0}, as soon as
   * the subscriber would hold more than {@code maxRows} rows.
   */
  static Map<String, List<String>> state(List<LiveEvent> events, int maxRows) {
    Map<String, List<String>> state = new LinkedHashMap<>();
    List<Integer> key = new ArrayList<>();
    long last = Long.MIN_VALUE;
    boolean ready = false;
    for (LiveEvent e : events) {
      if (e.hasSubscribed()) {
        List<String> names = new ArrayList<>();
        e.getSubscribed().getColumnsList().forEach(c -> names.add(c.getName()));
        for (String pk : e.getSubscribed().getPrimaryKeyList()) {
          key.add(names.indexOf(pk));
        }
      } else if (e.hasInitialRows()) {
        for (Row r : e.getInitialRows().getRowsList()) {
          putKeyed(state, key, r, true);
        }
      } else if (e.hasReady()) {
        last = e.getReady().getSeq();
        ready = true;
      } else if (isChange(e)) {
        long seq = seq(e);
        if (!ready) {
          throw new AssertionError("change " + describe(e) + " before Ready");
        }
        if (seq < last) {
          throw new AssertionError("change " + describe(e) + " with _seq " + seq + " < " + last);
        }
        last = seq;
        if (e.hasInsert()) {
          putKeyed(state, key, e.getInsert().getRow(), true);
        } else if (e.hasUpdate()) {
          String oldKey = keyOf(key, e.getUpdate().getOldRow());
          if (!oldKey.equals(keyOf(key, e.getUpdate().getNewRow()))) {
            throw new AssertionError("update changed the key " + oldKey);
          }
          if (!values(e.getUpdate().getOldRow()).equals(state.get(oldKey))) {
            throw new AssertionError("update of " + oldKey + " whose old row is not the one held");
          }
          putKeyed(state, key, e.getUpdate().getNewRow(), false);
        } else {
          String k = keyOf(key, e.getDelete().getRow());
          if (state.remove(k) == null) {
            throw new AssertionError("delete of missing key " + k);
          }
        }
      }
      if (maxRows >= 0 && state.size() > maxRows) {
        throw new AssertionError("holds " + state.size() + " rows, more than " + maxRows);
      }
    }
    return state;
  }

  /** The keys of the initial rows, in the order they were sent. */
  static List<String> initialKeys(List<LiveEvent> events) {
    return new ArrayList<>(state(events.stream().filter(e -> !isChange(e)).toList(), -1).keySet());
  }

  private static void putKeyed(
      Map<String, List<String>> state, List<Integer> key, Row r, boolean insert) {
    String k = keyOf(key, r);
    List<String> previous = state.put(k, values(r));
    if (insert && previous != null) {
      throw new AssertionError("insert of existing key " + k);
    }
    if (!insert && previous == null) {
      throw new AssertionError("update of missing key " + k);
    }
  }

  static String keyOf(List<Integer> key, Row r) {
    List<String> parts = new ArrayList<>();
    for (int i : key) {
      parts.add(text(r.getValues(i)));
    }
    return String.join("|", parts);
  }

  /** A row's values as text, without its last value ({@code _seq}). */
  static List<String> values(Row r) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < r.getValuesCount() - 1; i++) {
      values.add(text(r.getValues(i)));
    }
    return values;
  }
}
