package io.tributary.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The client process of the heap measurement ({@link HeapProbe}): opens streams and idle
 * subscriptions on a Tributary server in another JVM, so that the server's heap holds only the
 * server's share. Speaks a line protocol: prints {@code STREAMS n}, waits for {@code SUBSCRIBE},
 * subscribes, prints {@code SUBSCRIBED n}, waits for {@code QUIT} (or the end of its input), then
 * closes everything and exits.
 *
 * <p>Arguments: port, connections, subscriptions, matching subscriptions, table, reader users.
 */
public final class IdleSubscribers {
  private IdleSubscribers() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    Layout layout =
        new Layout(
            "idle",
            Integer.parseInt(args[1]),
            Integer.parseInt(args[2]),
            Integer.parseInt(args[3]));
    String table = args[4];
    int users = Integer.parseInt(args[5]);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    List<String> tokens = TributaryClients.readerTokens(port, users);
    try (TributaryClients clients = new TributaryClients(port, tokens)) {
      clients.openStreams(layout.connections(), new Deliveries());
      System.out.println("STREAMS " + layout.connections());
      System.out.flush();
      await(in, "SUBSCRIBE");
      clients.subscribe(layout, table);
      System.out.println("SUBSCRIBED " + layout.subscriptions());
      System.out.flush();
      await(in, "QUIT");
    }
    System.exit(0);
  }

  private static void await(BufferedReader in, String command) throws IOException {
    String line;
    while ((line = in.readLine()) != null) {
      if (line.trim().equals(command)) {
        return;
      }
    }
  }
}
