package io.tributary.reliability.hostile;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * The child JVM of the hostile clients ({@link HostileLoad}), started by {@link HostileClientsTest}
 * at the lowest scheduling priority. Arguments: the server's port, a token, the seed. It reads one
 * command per line on stdin and answers each with one line on stdout that starts with {@code @@}:
 * {@code @@OK [value]} or {@code @@ERR <message>}.
 *
 * <ul>
 *   <li>{@code IDLE n}, {@code HALF_OPEN n}, {@code ABANDONED n}, {@code STALLED n}: open so many;
 *   <li>{@code FLOODS}, {@code STOP_FLOODS}: the subscribe/unsubscribe and bad-message floods;
 *   <li>{@code IDLE_OPEN n}: how many of the first n idle connections the server has not closed;
 *   <li>{@code STATS}: {@code floodCycles badMessages oversized over10MiBAnsweredUnknown failures};
 *   <li>{@code FAILURES}: the failures, separated by tabs;
 *   <li>{@code CLOSE} (or the end of stdin): closes everything and exits.
 * </ul>
 */
public final class HostileMain {
  private HostileMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    HostileLoad load = new HostileLoad(port, args[1], new Random(Long.parseLong(args[2])));
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] words = line.trim().split(" ");
        String value = "";
        try {
          switch (words[0]) {
            case "IDLE" -> load.openIdle(Integer.parseInt(words[1]));
            case "HALF_OPEN" -> load.openHalfOpen(Integer.parseInt(words[1]));
            case "ABANDONED" -> load.openAbandoned(Integer.parseInt(words[1]));
            case "STALLED" -> load.openStalled(Integer.parseInt(words[1]));
            case "FLOODS" -> load.startFloods();
            case "STOP_FLOODS" -> load.stopFloods();
            case "IDLE_OPEN" -> value = " " + load.idleStillOpen(Integer.parseInt(words[1]));
            case "STATS" ->
                value =
                    " "
                        + load.floodCycles.get()
                        + " "
                        + load.badMessages.get()
                        + " "
                        + load.oversized.get()
                        + " "
                        + load.unknownForOversized.get()
                        + " "
                        + load.failures.size();
            case "FAILURES" -> {
              List<String> failures;
              synchronized (load.failures) {
                failures = List.copyOf(load.failures);
              }
              value = "\t" + String.join("\t", failures).replaceAll("[\r\n]+", " ");
            }
            case "CLOSE" -> {
              load.close();
              reply("OK");
              System.exit(0);
            }
            default -> throw new IllegalArgumentException("unknown command " + line);
          }
          reply("OK" + value);
        } catch (Exception e) {
          e.printStackTrace();
          reply("ERR " + String.valueOf(e).replaceAll("[\r\n]+", " "));
        }
      }
    }
    load.close();
    System.exit(0);
  }

  private static void reply(String line) {
    System.out.println("@@" + line);
    System.out.flush();
  }
}
