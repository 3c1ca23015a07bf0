package io.tributary.query.command;

/**
 * The bounds a write command obeys, declared once: the analyzer refuses a statement that would
 * exceed them before anything reaches the log, and the materializer refuses a command that exceeds
 * them while applying it (a command written by an older or foreign writer).
 *
 * <p>A change's {@code _seq} is {@code offset << ORDINAL_BITS | ordinal}: the log position of the
 * command that made it, then the change's ordinal inside that command (DESIGN.md section 3). The
 * ordinal's bits bound how many changes one command may make.
 */
public final class CommandLimits {
  /** The bits of {@code _seq} that hold a change's ordinal inside its command. */
  public static final int ORDINAL_BITS = 16;

  /** The most changes (rows inserted, updated or deleted) one command may make: 65,535. */
  public static final int MAX_CHANGES = (1 << ORDINAL_BITS) - 1;

  private CommandLimits() {}
}
