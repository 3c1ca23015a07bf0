package io.tributary.server.cli;

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
 * <p>{@code \subscribe [N] SUBSCRIBE TO ...} (one line, no {@code ;} needed), or a {@code
 * SUBSCRIBE} statement typed as any other, prints the subscription's events until Ctrl-C, or until
 * N rows and changes arrived, then gives the prompt back.
 */
final class Shell {
  static final String PROMPT = "tributary> ";
  static final String CONTINUATION_PROMPT = "...> ";
  static final String COMMANDS =
      "Commands: \\subscribe [N] <SUBSCRIBE statement> (events until Ctrl-C or N rows and"
          + " changes), \\q (quit)";
  private static final Pattern SUBSCRIBE_COMMAND =
      Pattern.compile(
          "\\\\subscribe(?:\\s+(-?\\d+)(?=\\s|$))?(?:\\s+(.*))?",
          Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

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
          text = reader.readLine(PROMPT);
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
        } else if (Statements.isSubscribe(text)) {
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

  /** Runs a backslash command: {@code \\subscribe [N] <SUBSCRIBE statement>}. */
  private void command(String text) {
    Matcher m = SUBSCRIBE_COMMAND.matcher(text);
    if (!m.matches()) {
      err.println("Unknown command: " + text.split("\\s", 2)[0] + ". " + COMMANDS);
      return;
    }
    String statement = m.group(2);
    if (statement == null || Statements.isBlank(statement)) {
      err.println("Cannot subscribe: no statement. " + COMMANDS);
      return;
    }
    long limit = Long.MAX_VALUE;
    if (m.group(1) != null) {
      try {
        limit = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        limit = 0;
      }
      if (limit <= 0) {
        err.println("Cannot subscribe: the limit must be a positive number, got " + m.group(1));
        return;
      }
    }
    subscribe(statement, limit);
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
