package io.tributary.server.internal;

import com.linecorp.armeria.server.Server;
import io.tributary.query.parse.StatementParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads and initializes, on a background thread while the log and the materializer start, the
 * classes that the last start-up steps and the first statements need: the SQL parser and the HTTP
 * server's. Start-up is mostly class loading on a small machine, and the broker's start leaves a
 * core idle while it waits on its own I/O, so this shortens the time to ready. Best effort: a
 * failure here only costs that time later.
 */
public final class WarmUp {
  private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

  private WarmUp() {}

  /** Starts the warm-up thread and returns at once. */
  public static void start() {
    Thread t = new Thread(WarmUp::run, "tributary-warm-up");
    t.setDaemon(true);
    t.start();
  }

  private static void run() {
    long begin = System.nanoTime();
    try {
      StatementParser.parse("SELECT id, body FROM ns.t WHERE id = 1 ORDER BY id LIMIT 10");
      StatementParser.parse("INSERT INTO ns.t (id, body) VALUES (1, 'x')");
      StatementParser.parseLive("SUBSCRIBE TO ns.t WHERE id = 1 OPTIONS (last_rows = 1)");
      Server.builder(); // Armeria's flags and Netty's transport
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("Warm-up stopped early: {}", e.toString());
    }
    LOG.debug("Warm-up took {} ms", (System.nanoTime() - begin) / 1_000_000);
  }
}
