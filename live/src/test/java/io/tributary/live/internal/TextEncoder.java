package io.tributary.live.internal;

import io.tributary.live.EventEncoder;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.TributaryException;
import io.tributary.query.live.LiveQuery;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A readable stand-in for the protocol's encoder: an event is text, its head {@code "<id>|"} and
 * its body {@code "<kind> <details>"}; a change's bodies are built once per projection, as the real
 * encoder does, and {@link #encodings} counts how often one was built.
 */
class TextEncoder implements EventEncoder {
  final AtomicInteger encodings = new AtomicInteger();

  @Override
  public byte[] subscriptionHead(String subscriptionId) {
    return bytes(subscriptionId + "|");
  }

  @Override
  public byte[] opened(String streamId) {
    return bytes("opened " + streamId);
  }

  @Override
  public byte[] heartbeat(long serverTimeMillis) {
    return bytes("heartbeat " + serverTimeMillis);
  }

  @Override
  public byte[] subscribed(LiveQuery query) {
    return bytes("subscribed " + query.table().qualifiedName());
  }

  @Override
  public byte[] initialRows(LiveQuery query, List<Object[]> rows, boolean hasMore) {
    return bytes("rows " + rows.size() + (hasMore ? " more" : ""));
  }

  @Override
  public byte[] ready(long seq) {
    return bytes("ready " + seq);
  }

  @Override
  public byte[] error(TributaryException error, long lastSeq) {
    return bytes("error " + error.code() + " " + lastSeq);
  }

  @Override
  public int framedSize(int eventSize) {
    return eventSize + 1;
  }

  @Override
  public ChangeEncoding change(AppliedChange change) {
    return new ChangeEncoding() {
      private final List<Object> cachedFor = new ArrayList<>();
      private final List<byte[]> cached = new ArrayList<>();

      @Override
      public byte[] insert(List<Integer> columns, Object[] row) {
        return once("insert", columns, row == change.newRow());
      }

      @Override
      public byte[] update(List<Integer> columns, Object[] oldRow, Object[] newRow) {
        return once("update", columns, oldRow == change.oldRow() && newRow == change.newRow());
      }

      @Override
      public byte[] delete(List<Integer> columns, Object[] row) {
        return once("delete", columns, row == change.oldRow());
      }

      private byte[] once(String kind, List<Integer> columns, boolean own) {
        Object key = List.of(kind, System.identityHashCode(columns));
        int at = own ? cachedFor.indexOf(key) : -1;
        if (at >= 0) {
          return cached.get(at);
        }
        encodings.incrementAndGet();
        byte[] body = bytes(kind + " " + change.seq());
        if (own) {
          cachedFor.add(key);
          cached.add(body);
        }
        return body;
      }
    };
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
