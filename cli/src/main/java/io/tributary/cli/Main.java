package io.tributary.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code tributary} command line: {@code tributary start} runs a server, {@code tributary sql}
 * talks to one. Options also come from {@code TRIBUTARY_*} environment variables (see each
 * command's {@code --help}).
 */
@Command(
    name = "tributary",
    description = "Tributary, a real-time SQL data plane.",
    mixinStandardHelpOptions = true,
    version = "tributary 0.1.0",
    synopsisSubcommandLabel = "(start | sql)")
public final class Main implements Runnable {
  @Spec CommandSpec spec;

  private Main() {}

  /** Runs the command line and exits the JVM with the command's status. */
  public static void main(String[] args) {
    CliContext context =
        new CliContext(System.in, System.out, System.err, System.getenv(), isTerminal());
    System.exit(run(context, args));
  }

  /** Runs the command line with the given streams and environment; returns the exit status. */
  static int run(CliContext context, String... args) {
    CommandLine commandLine =
        new CommandLine(new Main())
            .addSubcommand(new StartCommand(context))
            .addSubcommand(new SqlCommand(context))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setOut(new PrintWriter(context.out(), true))
            .setErr(new PrintWriter(context.err(), true))
            .setExecutionExceptionHandler(
                (e, cl, parsed) -> {
                  cl.getErr().println("Cannot run " + cl.getCommandName() + ": " + e);
                  return 1;
                });
    commandLine.setDefaultValueProvider(new EnvDefaults(context));
    return commandLine.execute(args);
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command: start or sql");
  }

  /** Stdin and stdout are a terminal. */
  private static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      // Java 22+ returns a console even when redirected, and says so with isTerminal().
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
