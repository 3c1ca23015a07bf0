package io.tributary.server.internal;

import io.tributary.log.Log;
import io.tributary.log.LogPosition;
import io.tributary.log.LogReader;
import io.tributary.log.LogRecord;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.UserDef;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog of this node, built by reading the compacted catalog topic from the beginning (DDL is
 * a command too: DESIGN.md section 3). {@link #append} writes records and returns once this node
 * has applied them, and has told the {@link AccountListener}s of them, so the next statement sees
 * the change.
 */
public final class CatalogStore implements AutoCloseable {
  /**
   * Told of each change to an account this node applies, whichever node accepted it: creation,
   * password or role change, drop. Called on the catalog's reader thread, so it must not block.
   */
  @FunctionalInterface
  public interface AccountListener {
    /**
     * @param before the account that held the name before the change, or null
     * @param after the account that holds it after, or null when the name was dropped; an account
     *     with another id than {@code before} means that one was dropped and this one created
     */
    void accountChanged(UserDef before, UserDef after);
  }

  /**
   * Told of each row policy this node creates or drops (a policy record applied, whichever node
   * accepted it), after it is applied. Called on the catalog's reader thread; must not block.
   */
  @FunctionalInterface
  public interface PolicyListener {
    /**
     * @param qualifiedTable the {@code namespace.name} of the table whose policies changed
     * @param catalogOffset the policy record's offset in the catalog topic: a statement analyzed at
     *     a {@link #version()} ≤ this offset may not have seen the change
     */
    void policiesChanged(String qualifiedTable, long catalogOffset);
  }

  private static final Logger LOG = LoggerFactory.getLogger(CatalogStore.class);
  private static final Duration APPLY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration END_OFFSET_TIMEOUT = Duration.ofSeconds(60);

  private final Log log;
  private final CatalogState state = new CatalogState();
  private final LogReader logReader;
  private final Thread reader;
  private final List<AccountListener> accountListeners = new CopyOnWriteArrayList<>();
  private final List<PolicyListener> policyListeners = new CopyOnWriteArrayList<>();
  private final Object progress = new Object();
  private long nextOffset;
  private volatile RuntimeException failure;
  private volatile boolean closed;

  public CatalogStore(Log log) {
    this.log = log;
    this.logReader = log.openReader(log.topics().catalog(), 0);
    this.reader = new Thread(this::run, "tributary-catalog-reader");
    reader.setDaemon(true);
  }

  /** Starts reading and returns once every record present at start has been applied. */
  public void start() {
    long end = logReader.endOffset(END_OFFSET_TIMEOUT);
    reader.start();
    awaitApplied(end - 1);
    LOG.info(
        "Catalog loaded: {} namespaces, {} tables, {} users",
        state.namespaces().size(),
        state.tables(null).size(),
        state.users().size());
  }

  public Catalog catalog() {
    return state;
  }

  /** Adds a listener of the account changes applied from now on. */
  public void addAccountListener(AccountListener listener) {
    accountListeners.add(listener);
  }

  public void addPolicyListener(PolicyListener listener) {
    policyListeners.add(listener);
  }

  /**
   * A number that grows whenever this node applies catalog records: two reads that return the same
   * number saw the same catalog (records are applied before the number moves past them).
   */
  public long version() {
    synchronized (progress) {
      return nextOffset;
    }
  }

  /** Appends records in order and waits until this node has applied the last one. */
  public void append(List<CatalogRecord> records) {
    CompletableFuture<LogPosition> last = null;
    for (CatalogRecord record : records) {
      last = log.writer().append(log.topics().catalogRecord(record.key()), record.encodeValue());
    }
    if (last == null) {
      return;
    }
    LogPosition position;
    try {
      position = last.get(APPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new TributaryException(
          ErrorCode.UNAVAILABLE,
          "Cannot change the catalog: the log did not accept the change (" + e.getCause() + ")",
          e.getCause());
    } catch (TimeoutException e) {
      throw new TributaryException(
          ErrorCode.TIMEOUT, "Cannot change the catalog: the log did not answer in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TributaryException(ErrorCode.UNAVAILABLE, "Cannot change the catalog: interrupted");
    }
    awaitApplied(position.offset());
  }

  private void awaitApplied(long offset) {
    long deadline = System.nanoTime() + APPLY_TIMEOUT.toNanos();
    synchronized (progress) {
      while (nextOffset <= offset) {
        if (failure != null) {
          throw failure;
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw TributaryException.of(
              ErrorCode.TIMEOUT,
              "Cannot read the catalog: offset %d not applied within %s",
              offset,
              APPLY_TIMEOUT);
        }
        try {
          progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TributaryException(
              ErrorCode.UNAVAILABLE, "Cannot read the catalog: interrupted");
        }
      }
    }
  }

  private void run() {
    try {
      while (!closed) {
        for (LogRecord r : logReader.poll(Duration.ofMillis(500))) {
          try {
            apply(CatalogRecord.decode(r.key(), r.value()), r.offset());
          } catch (TributaryException e) {
            LOG.error("Skipping catalog record at offset {}: {}", r.offset(), e.getMessage());
          }
        }
        if (closed) {
          break; // woken by close(): the position may not be readable any more
        }
        long position = logReader.position();
        synchronized (progress) {
          nextOffset = position;
          progress.notifyAll();
        }
      }
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.error("The catalog reader stopped", e);
        failure =
            new TributaryException(
                ErrorCode.UNAVAILABLE, "Cannot read the catalog: " + e.getMessage(), e);
      }
    } finally {
      synchronized (progress) {
        progress.notifyAll();
      }
      logReader.close();
    }
  }

  private void apply(CatalogRecord record, long offset) {
    if (record.kind() == CatalogRecord.Kind.POLICY) {
      state.apply(record);
      // The key is ns.table/name.
      String table = record.name().substring(0, record.name().indexOf('/'));
      for (PolicyListener listener : policyListeners) {
        try {
          listener.policiesChanged(table, offset);
        } catch (RuntimeException e) {
          LOG.error("A policy listener failed", e);
        }
      }
      return;
    }
    if (record.kind() != CatalogRecord.Kind.USER || accountListeners.isEmpty()) {
      state.apply(record);
      return;
    }
    UserDef before = state.user(record.name()).orElse(null);
    state.apply(record);
    UserDef after = state.user(record.name()).orElse(null);
    for (AccountListener listener : accountListeners) {
      try {
        listener.accountChanged(before, after);
      } catch (RuntimeException e) {
        LOG.error("An account listener failed", e);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    if (!reader.isAlive() && reader.getState() == Thread.State.NEW) {
      logReader.close(); // never started: the reader would have closed it
      return;
    }
    logReader.wakeup();
    try {
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
