package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.BenchmarkMain;
import io.tributary.benchmarks.Json;
import io.tributary.benchmarks.Progress;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chat scenario (issue 17): many small group conversations, written on an open-loop schedule by
 * writer users and read live by reader users, against Tributary ({@link TributaryChat}: a SHARED
 * table guarded by a membership policy), the PostgreSQL stack ({@link PostgresChat}: trigger,
 * {@code pg_notify}, a relay routing per conversation) and the raw gRPC ceiling ({@link
 * CeilingChat}: the same transport, no database), one after the other in the same run, in both
 * durability modes (fsync per commit, page cache) and {@code --repetitions} times, alternating. The
 * servers run in their own JVMs ({@link ServerJvm}), every client in this one.
 *
 * <p>Insert {@code k} of a step at {@code rate}/s is due at {@code start + k / rate} whatever
 * happened before (an absolute schedule); latency runs from that due time to each subscriber's
 * receipt, so a late send counts its delay (no coordinated omission). Every delivery is checked
 * against the membership: each change must reach each member of its conversation exactly once and
 * nobody else. The wall is the highest step with p99 ≤ 100 ms, every delivery made and ≥ 99% of the
 * offered rate achieved.
 *
 * <p>A main program, not a test: nothing here asserts on time. See {@code benchmarks/README.md}.
 */
public final class ChatBenchmark {
  static final String BODY =
      "A chat message of about seventy characters, as people write them, ok?";
  private static final Progress PROGRESS = new Progress("[chat %6.1f s] %s");

  private ChatBenchmark() {}

  public static void main(String[] args) {
    BenchmarkMain.runAndExit(
        args,
        ChatOptions::parse,
        ChatOptions::resultsDir,
        "chat",
        o -> {
          ChatResult r = run(o);
          return new BenchmarkMain.Written(r.markdown(), () -> Json.write(r.toMap()));
        });
  }

  /** The outcome of one target: its steps, or why it was not run. */
  record TargetRun(
      String name,
      String mode,
      int repetition,
      boolean compass,
      String title,
      String description,
      double setupSeconds,
      List<StepResult> steps,
      List<String> streamErrors,
      String skipped) {}

  static ChatResult run(ChatOptions o) throws Exception {
    Map<String, Object> machine = BenchmarkMain.describeMachine(PROGRESS);
    Conversations world =
        o.direct()
            ? Conversations.direct(o.users(), o.writers())
            : new Conversations(
                o.users(),
                o.conversations(),
                o.minMembers(),
                o.maxMembers(),
                o.writers(),
                o.seed());
    PROGRESS.print(
        "%d readers, %d writers, %d conversations, %d subscriptions",
        o.users(), o.writers(), world.count(), world.subscriptions());
    ChatOptions compassOptions = o.compassPoint();
    Conversations compassWorld =
        new Conversations(
            compassOptions.users(),
            compassOptions.conversations(),
            compassOptions.minMembers(),
            compassOptions.maxMembers(),
            compassOptions.writers(),
            o.seed());
    // Alternating: each repetition runs every target in every mode (ours, PG, raw, ours, ...);
    // the ceiling has no durability to choose and runs once per repetition.
    List<TargetRun> runs = new ArrayList<>();
    for (int rep = 1; rep <= o.repetitions(); rep++) {
      for (String mode : o.modes()) {
        for (String name : o.targets()) {
          boolean ceiling = name.equals("ceiling");
          if (ceiling && !mode.equals(o.modes().get(0))) {
            continue;
          }
          String m = ceiling ? "none" : mode;
          runs.add(runTarget(name, m, rep, false, o, world));
          if (o.compass() && !o.direct()) { // the compass point is a group layout
            runs.add(runTarget(name, m, rep, true, compassOptions, compassWorld));
          }
        }
      }
    }
    return new ChatResult(o, machine, world.subscriptions(), compassWorld.subscriptions(), runs);
  }

  private static TargetRun runTarget(
      String name, String mode, int rep, boolean compass, ChatOptions o, Conversations world)
      throws Exception {
    Schedule schedule = new Schedule(o, world);
    Path dir = Files.createTempDirectory("tributary-chat-" + name);
    boolean durable = !mode.equals("pagecache");
    String label =
        String.format("%s (%s, run %d%s)", name, mode, rep, compass ? ", compass point" : "");
    long setupBegin = System.nanoTime();
    ChatTarget target;
    String description;
    try {
      if (name.equals("tributary")) {
        target = new TributaryChat(o, world, schedule, dir, durable);
        description =
            "Tributary server in its own JVM, "
                + (durable ? "fsync per append" : "no fsync per append (page cache)");
      } else if (name.equals("ceiling")) {
        target = new CeilingChat(o, world, schedule, dir);
        description = "Armeria + grpc-java fan-out in its own JVM, no database";
      } else {
        PostgresChat pg;
        try {
          pg = new PostgresChat(o, world, schedule, dir, durable);
        } catch (IllegalStateException e) {
          if (!String.valueOf(e.getMessage()).startsWith("Cannot find PostgreSQL binaries")) {
            throw e;
          }
          PROGRESS.print("postgres: not run: %s", e.getMessage());
          deleteIfThere(dir);
          return new TargetRun(
              name,
              mode,
              rep,
              compass,
              "PostgreSQL + pg_notify + relay",
              "",
              0,
              List.of(),
              List.of(),
              e.getMessage());
        }
        target = pg;
        description =
            "PostgreSQL "
                + pg.describe()
                + (durable ? ", synchronous_commit=on" : ", synchronous_commit=off")
                + ", the relay in its own JVM";
      }
    } catch (Exception e) {
      deleteIfThere(dir);
      throw e;
    }
    try {
      double setupSeconds = (System.nanoTime() - setupBegin) / 1e9;
      PROGRESS.print("%s: set up in %.1f s, every subscription live", label, setupSeconds);
      if (o.warmupSeconds() > 0) {
        PROGRESS.print(
            "%s: warm-up, %d inserts/s for %.1f s", label, o.steps().get(0), o.warmupSeconds());
        schedule.run(0, target, o);
      }
      List<StepResult> steps = new ArrayList<>();
      boolean missed = false;
      for (int i = 0; i < o.steps().size(); i++) {
        if (missed && o.stopAfterMiss()) {
          steps.add(StepResult.notRun(o.steps().get(i)));
          continue;
        }
        StepResult r = schedule.run(i + 1, target, o);
        steps.add(r);
        PROGRESS.print("%s: %s", label, r.line());
        missed = !r.withinWall();
      }
      return new TargetRun(
          name,
          mode,
          rep,
          compass,
          target.title(),
          description,
          setupSeconds,
          steps,
          target.streamErrors(),
          null);
    } finally {
      target.close();
      deleteIfThere(dir);
    }
  }

  /** Deletes a target's directory, unless its closing deleted it already (PostgreSQL's does). */
  private static void deleteIfThere(Path dir) {
    if (Files.exists(dir)) {
      BenchmarkMain.deleteRecursively(dir);
    }
  }

  static String reader(int r) {
    return "chat_reader_" + r;
  }

  static String writer(int w) {
    return "chat_writer_" + w;
  }

  /** This process's CPU time in nanoseconds (every client thread). */
  public static long clientCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  static Map<String, Object> describe(TargetRun r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", r.name());
    m.put("title", r.title());
    m.put("mode", r.mode());
    m.put("repetition", r.repetition());
    m.put("layout", r.compass() ? "compass point" : "chat");
    if (r.skipped() != null) {
      m.put("skipped", r.skipped());
      return m;
    }
    m.put("description", r.description());
    m.put("setup_seconds", Math.round(r.setupSeconds() * 10) / 10.0);
    return m;
  }
}
