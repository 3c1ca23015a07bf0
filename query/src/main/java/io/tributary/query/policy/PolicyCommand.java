package io.tributary.query.policy;

import java.util.Locale;

/** What a row-level policy governs ({@code CREATE POLICY ... FOR <command>}). */
public enum PolicyCommand {
  SELECT,
  INSERT,
  UPDATE,
  DELETE,
  ALL;

  /** The command of a stored policy, as {@link #name()} wrote it (any case). */
  public static PolicyCommand parse(String text) {
    return valueOf(text.toUpperCase(Locale.ROOT));
  }

  /** Whether a policy for this command governs {@code command} (ALL governs every command). */
  public boolean governs(PolicyCommand command) {
    return this == ALL || this == command;
  }
}
