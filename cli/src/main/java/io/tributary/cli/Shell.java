package io.tributary.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.reader.EOFError;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.reader.impl.history.DefaultHistory;
import org.jline.terminal.Terminal;

/**
 * The interactive SQL shell: a JLine line reader with history, where a statement may span lines and
 * runs once a line ends it with {@code ;} outside quotes. {@code \q}, {@code quit}, {@code exit} or
 * Ctrl-D leave; Ctrl-C drops the statement being typed. Errors are printed and the shell goes on.
 * Lines mentioning a password are kept out of the history file.
 *
 * <p>Backslash commands take one line and need no {@code ;} ({@link #HELP} lists them): {@code
 * \live [N] SELECT ...} (or {@code \subscribe}) keeps a statement live and prints its events until
 * Ctrl-C, or until N rows and changes arrived, then gives the prompt back (a {@code SUBSCRIBE}
 * statement typed as any other does the same); {@code \as <user>} makes the following statements
 * run as that user ({@code EXECUTE AS USER}), shown in the prompt, until {@code \as} alone.
 */
final class Shell {
  static final String PROMPT = "tributary> ";
  static final String CONTINUATION_PROMPT = "...> ";
  static final String COMMANDS =
      "Commands: \\live [N] <statement>, \\subscribe [N] <statement>, \\consume [N] <ns.name>"
          + " <group>, \\as [user], \\? (help),"
          + " \\q (quit)";
  static final String HELP =
      String.join(
          "\n",
          "Statements end with ';' and may span lines. Commands take one line, without ';':",
          "  \\live [N] <statement>       keep a SELECT (or a SUBSCRIBE) live: print its events"
              + " until Ctrl-C, or until N rows and changes",
          "  \\subscribe [N] <statement>  the same",
          "  \\consume [N] <ns.t> <group> consume a topic (or a table's changes) in a consumer"
              + " group: one JSON line per record, acknowledged once printed, until Ctrl-C or N",
          "  \\as <user>                  run the next statements as <user> (EXECUTE AS USER;"
              + " roles service, dba and system)",
          "  \\as                         run them as yourself again",
          "  \\? or \\help                 this list",
          "  \\q                          quit (also quit, exit or Ctrl-D)",
          "A SUBSCRIBE statement typed as any other also prints its events until Ctrl-C.");
  private static final Pattern LIVE_COMMAND =
      Pattern.compile(
          "\\\\(live|subscribe)(?:\\s+(-?\\d+)(?=\\s|$))?(?:\\s+(.*))?",
          Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  private static final Pattern AS_COMMAND =
      Pattern.compile("\\\\as(?:\\s+(.*?))?\\s*;?\\s*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  private static final Pattern CONSUME_COMMAND =
      Pattern.compile(
          "\\\\consume(?:\\s+(\\d+))?\\s+(\\S+)\\s+'?([^'\\s;]+)'?\\s*;?\\s*",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern HELP_COMMAND =
      Pattern.compile("\\\\(\\?|h|help)\\s*;?\\s*", Pattern.CASE_INSENSITIVE);

  private final Terminal terminal;
  private final Path historyFile;
  private final SqlSession session;
  private final PrintStream err;

  Shell(Terminal terminal, Path historyFile, SqlSession session, PrintStream err) {
    this.terminal = terminal;
    this.historyFile = historyFile;
    this.session = session;
    this.err = err;
  }

  /** Reads and runs statements until the user leaves; returns the exit status (0). */
  int run() {
    prepareHistoryFile();
    LineReader reader =
        LineReaderBuilder.builder()
            .terminal(terminal)
            .appName("tributary")
            .parser(new StatementParser())
            .history(new PrivateHistory())
            .variable(LineReader.HISTORY_FILE, historyFile)
            .variable(LineReader.SECONDARY_PROMPT_PATTERN, CONTINUATION_PROMPT)
            .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
            .build();
    try {
      while (true) {
        String text;
        try {
          text = reader.readLine(prompt(session.actingUser()));
        } catch (UserInterruptException e) {
          continue;
        } catch (EndOfFileException e) {
          break;
        }
        if (Statements.isQuit(text)) {
          break;
        }
        if (Statements.isCommand(text)) {
          command(text.strip());
        } else if (isHelp(text)) {
          help();
        } else if (Statements.containsSubscribe(text)) {
          subscribe(text, Long.MAX_VALUE);
        } else if (!Statements.isBlank(text)) {
          session.run(text.strip());
        }
      }
    } finally {
      try {
        reader.getHistory().save();
      } catch (IOException e) {
        err.println("Cannot save history to " + historyFile + ": " + e.getMessage());
      }
    }
    return 0;
  }

  /** The prompt, naming the user statements run as when it is not the logged-in one. */
  static String prompt(String actingUser) {
    return actingUser == null ? PROMPT : "tributary (as " + actingUser + ")> ";
  }

  /** Runs a backslash command ({@link #HELP}). */
  private void command(String text) {
    if (HELP_COMMAND.matcher(text).matches()) {
      help();
      return;
    }
    Matcher as = AS_COMMAND.matcher(text);
    if (as.matches()) {
      actAs(as.group(1));
      return;
    }
    Matcher c = CONSUME_COMMAND.matcher(text);
    if (c.matches()) {
      consume(
          c.group(2), c.group(3), c.group(1) == null ? Long.MAX_VALUE : Long.parseLong(c.group(1)));
      return;
    }
    Matcher m = LIVE_COMMAND.matcher(text);
    if (!m.matches()) {
      err.println("Unknown command: " + text.split("\\s", 2)[0] + ". " + COMMANDS);
      return;
    }
    String statement = m.group(3);
    if (statement == null || Statements.isBlank(statement)) {
      err.println("Cannot subscribe: no statement. " + COMMANDS);
      return;
    }
    long limit = Long.MAX_VALUE;
    if (m.group(2) != null) {
      try {
        limit = Long.parseLong(m.group(2));
      } catch (NumberFormatException e) {
        limit = 0;
      }
      if (limit <= 0) {
        err.println("Cannot subscribe: the limit must be a positive number, got " + m.group(2));
        return;
      }
    }
    subscribe(statement, limit);
  }

  /** {@code \\as [user]}: a bare name or a quoted string ({@code 'o''brien'}); none resets. */
  private void actAs(String name) {
    if (name == null || name.isEmpty()) {
      session.actAs(null);
      notice("Statements run as the logged-in user again.");
      return;
    }
    String user = name;
    if (name.startsWith("'")) {
      if (name.length() < 2
          || !name.endsWith("'")
          || name.substring(1, name.length() - 1).replace("''", "").contains("'")) {
        err.println("Cannot act as " + name + ": expected a user name, or one in single quotes");
        return;
      }
      user = name.substring(1, name.length() - 1).replace("''", "'");
    } else if (name.chars().anyMatch(Character::isWhitespace)) {
      err.println(
          "Cannot act as " + name + ": expected one user name (quote a name with spaces: 'a b')");
      return;
    }
    if (session.actAs(user) == SqlSession.Result.OK) {
      notice("Statements now run as " + user + " (\\as alone to stop).");
    }
  }

  private static boolean isHelp(String text) {
    String t = text.strip();
    if (t.endsWith(";")) {
      t = t.substring(0, t.length() - 1).strip();
    }
    return t.equalsIgnoreCase("help");
  }

  private void help() {
    notice(HELP);
  }

  /** Shell chatter (help, confirmations) goes to the terminal, not to the results. */
  private void notice(String text) {
    terminal.writer().println(text);
    terminal.writer().flush();
  }

  /** Prints the events of a subscription until Ctrl-C or the limit, then gives the prompt back. */
  private void subscribe(String statement, long limit) {
    LiveRunner runner = session.subscriber();
    Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, signal -> runner.stop());
    try {
      session.subscribe(runner, statement, limit);
    } finally {
      terminal.handle(Terminal.Signal.INT, previous);
    }
  }

  /** Prints the records of a consumer group member until Ctrl-C or the limit. */
  private void consume(String name, String group, long limit) {
    if (limit <= 0) {
      err.println("Cannot consume: the limit must be a positive number");
      return;
    }
    java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
    Terminal.SignalHandler previous =
        terminal.handle(Terminal.Signal.INT, signal -> stop.countDown());
    try {
      session.consume(name, group, limit, stop);
    } finally {
      terminal.handle(Terminal.Signal.INT, previous);
    }
  }

  /** Creates the history file readable by its owner only, since statements may hold data. */
  private void prepareHistoryFile() {
    if (Files.exists(historyFile)) {
      return;
    }
    try {
      if (historyFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            historyFile,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
    } catch (IOException e) {
      // JLine creates it itself, with default permissions
    }
  }

  /** Asks JLine for another line until the statement is complete. */
  private static final class StatementParser implements Parser {
    private final DefaultParser words = new DefaultParser();

    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) {
      if (context == ParseContext.ACCEPT_LINE
          && !Statements.isBlank(line)
          && !Statements.isQuit(line)
          && !Statements.isCommand(line)
          && !isHelp(line)
          && !Statements.isComplete(line)) {
        throw new EOFError(-1, cursor, "statement continues", ";");
      }
      return words.parse(line, cursor, context);
    }
  }

  /** Keeps statements that mention a password out of the history. */
  private static final class PrivateHistory extends DefaultHistory {
    @Override
    public void add(Instant time, String line) {
      if (!line.toLowerCase(Locale.ROOT).contains("password")) {
        super.add(time, line);
      }
    }
  }
}
