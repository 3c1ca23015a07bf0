package io.tributary.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.client.ErrorCode;
import io.tributary.client.Row;
import io.tributary.client.StatementResult;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.reliability.support.HealthSampler;
import io.tributary.reliability.support.Scale;
import io.tributary.server.e2e.SharedServer;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQL fuzzing over the real gRPC API (RELIABILITY.md, "Fuzz"): statements from a grammar-aware
 * generator, mutations of the golden SQL corpus and multi-row writes to a canary table that must
 * fail, each run as one of four principals (root, a dba, a service, a user). The test asserts that
 * the server never crashes or hangs (every call answers within the call timeout and {@code /health}
 * answers 200 throughout), that every failure carries a documented error code other than {@code
 * INTERNAL} and a {@code Cannot <action>: <reason>} message, and that a failed multi-row write
 * changes nothing.
 *
 * <p>Bounded by default ({@value #BOUNDED} statements); {@code -Dreliability.full=true} runs
 * {@value #FULL}, and {@code -Dreliability.fuzz.statements=n} any number. The seed is printed;
 * {@code -Dreliability.fuzz.seed=s} repeats a run.
 */
class SqlFuzzTest {
  private static final Logger LOG = LoggerFactory.getLogger(SqlFuzzTest.class);

  static final int BOUNDED = 2_000;
  static final int FULL = 100_000;

  /** Statements run concurrently: a write waits for the log, so one thread would mostly wait. */
  private static final int WORKERS = 4;

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final String PASSWORD = "fuzz-principal-password";
  private static final List<String> PRINCIPALS = List.of("root", "fz_dba", "fz_service", "fz_user");

  /** Codes a fuzzed statement may fail with: every server code but INTERNAL. */
  private static final Set<ErrorCode> DOCUMENTED =
      EnumSet.complementOf(
          EnumSet.of(
              ErrorCode.INTERNAL,
              ErrorCode.UNRECOGNIZED,
              ErrorCode.DEADLINE_EXCEEDED,
              ErrorCode.UNAVAILABLE,
              ErrorCode.UNAUTHENTICATED,
              ErrorCode.NOT_A_QUERY));

  /** A statement that could lock the test out of its own server: it runs as a non-system user. */
  private static final Pattern TOUCHES_ROOT =
      Pattern.compile("(?is).*\\b(ALTER|DROP)\\b.*\\bUSER\\b.*root.*");

  private static final Pattern SUBSCRIBES =
      Pattern.compile(
          "(?is)\\s*(SUBSCRIBE\\b|EXECUTE\\s+AS\\s+USER\\s+'[^']*'\\s*\\(\\s*SUBSCRIBE\\b).*");

  /** With {@code -Dreliability.fuzz.log=file}, every statement and its outcome, for debugging. */
  private static final PrintStream STATEMENT_LOG =
      openLog(System.getProperty("reliability.fuzz.log"));

  private static final Map<String, TributaryClient> clients = new TreeMap<>();
  private static HealthSampler health;

  private final List<String> findings = new ArrayList<>();
  private final Map<String, Integer> outcomes = new ConcurrentSkipListMap<>();
  private final Map<String, String> examples = new ConcurrentSkipListMap<>();
  private final List<TributaryException> subscriptionErrors = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    int port = SharedServer.get().port();
    TributaryClient root = TributaryClient.connect(SharedServer.url(), CALL_TIMEOUT);
    root.login("root", SharedServer.ROOT_PASSWORD);
    clients.put("root", root);
    root.update(
        "CREATE USER 'fz_dba' WITH PASSWORD '"
            + PASSWORD
            + "' ROLE dba;"
            + "CREATE USER 'fz_service' WITH PASSWORD '"
            + PASSWORD
            + "' ROLE service;"
            + "CREATE USER 'fz_user' WITH PASSWORD '"
            + PASSWORD
            + "' ROLE user");
    for (String name : PRINCIPALS.subList(1, PRINCIPALS.size())) {
      TributaryClient client = TributaryClient.connect(SharedServer.url(), CALL_TIMEOUT);
      client.login(name, PASSWORD);
      clients.put(name, client);
    }
    for (String sql : SqlGenerator.SCHEMA) {
      root.update(sql);
    }
    for (String sql : CanaryProbes.SCHEMA) {
      root.update(sql);
    }
    root.update(CanaryProbes.seed());
    health = HealthSampler.start(port, Duration.ofMillis(100));
  }

  @AfterAll
  static void tearDown() {
    if (health != null) {
      health.close();
    }
    clients.values().forEach(TributaryClient::close);
    clients.clear();
  }

  @Test
  void shouldAnswerEveryFuzzedStatementWithADocumentedCodeAndNoPartialWrite() throws Exception {
    long seed = Scale.seed("reliability.fuzz.seed");
    int statements = Scale.pick("reliability.fuzz.statements", BOUNDED, FULL);
    LOG.info(
        "fuzz: seed {}, {} statements (repeat with -Dreliability.fuzz.seed={})",
        seed,
        statements,
        seed);
    Random random = new Random(seed);
    List<String> corpus = GoldenCorpus.statements();
    assertThat(corpus).as("statements of the golden corpus").hasSizeGreaterThan(100);
    TributaryClient root = clients.get("root");
    String canary = fingerprint(root);
    assertThat(canary).contains("row3");

    long started = System.nanoTime();
    for (String sql : corpus) {
      run("root", sql, random);
    }
    String baseline = canary;
    AtomicInteger probesRun = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    List<Callable<Void>> workers = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      Random own = new Random(seed + w);
      SqlGenerator generator = new SqlGenerator(own);
      SqlMutator mutator = new SqlMutator(own);
      CanaryProbes probes = new CanaryProbes(own);
      int share = statements / WORKERS + (w < statements % WORKERS ? 1 : 0);
      workers.add(
          () -> {
            for (int i = 0; i < share && findingCount() <= 50; i++) {
              if (i % 500 == 0) {
                for (String sql : SqlGenerator.SCHEMA) {
                  run("root", sql, own);
                }
              }
              String principal = PRINCIPALS.get(own.nextInt(PRINCIPALS.size()));
              int source = own.nextInt(100);
              if (source < 7) {
                probesRun.incrementAndGet();
                String probe = probes.next();
                String failure = run(principal, probe, own);
                if (failure == null) {
                  finding("a write that must fail succeeded: " + describe(principal, probe));
                }
                if (!fingerprint(root).equals(baseline)) {
                  finding("partial write: the canary changed after " + describe(principal, probe));
                }
              } else if (source < 55) {
                run(principal, generator.next(), own);
              } else {
                run(principal, mutator.mutate(corpus.get(own.nextInt(corpus.size()))), own);
              }
              done.incrementAndGet();
            }
            return null;
          });
    }
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
    try {
      for (Future<Void> f : pool.invokeAll(workers)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    LOG.info(
        "fuzz: {} statements (+{} setup, {} canary probes) in {} s ({}/s); outcomes {};"
            + " {} health samples",
        done.get(),
        corpus.size(),
        probesRun.get(),
        String.format("%.1f", seconds),
        Math.round(done.get() / seconds),
        outcomes,
        health.samples());

    examples.forEach((code, sql) -> LOG.info("fuzz: e.g. {}: {}", code, sql));
    synchronized (findings) {
      assertThat(findings).as("findings of seed %d", seed).isEmpty();
    }
    assertThat(done.get()).isEqualTo(statements);
    assertThat(root.query("SELECT 1 AS answer").rows().get(0).getInteger("answer")).isEqualTo(1);
    assertThat(fingerprint(root)).isEqualTo(baseline);
    synchronized (subscriptionErrors) {
      assertThat(subscriptionErrors)
          .as("live errors of seed %d", seed)
          .allSatisfy(e -> assertThat(DOCUMENTED).contains(e.errorCode()));
    }
    assertThat(health.samples()).as("health samples").isGreaterThan(0);
    assertThat(health.failures()).as("/health answers other than 200").isEmpty();
    assertThat(outcomes.keySet())
        .as("a fuzz run exercises successes and failures")
        .contains("OK", "SYNTAX_ERROR", "PERMISSION_DENIED", "TABLE_NOT_FOUND");
  }

  /**
   * Runs one statement as {@code principal}, records its outcome and any finding.
   *
   * @return the code of the failure, or null when every statement of the request succeeded
   */
  private String run(String principal, String sql, Random random) {
    String as = TOUCHES_ROOT.matcher(sql).matches() ? "fz_dba" : principal;
    TributaryClient client = clients.get(as);
    Object[] params = sql.indexOf('$') >= 0 ? params(random) : new Object[0];
    String code = null;
    try {
      if (SUBSCRIBES.matcher(sql).matches() && random.nextBoolean()) {
        subscribe(client, sql, params).close();
      } else {
        for (StatementResult result : client.execute(sql, params)) {
          if (result.error().isPresent()) {
            code = check(as, sql, result.error().get());
          }
        }
      }
    } catch (TributaryException e) {
      code = check(as, sql, e);
    } catch (IllegalArgumentException e) {
      finding("the SDK refused its own parameters: " + e + " for " + describe(as, sql));
      code = "SDK";
    }
    String outcome = code == null ? "OK" : code;
    outcomes.merge(outcome, 1, Integer::sum);
    examples.putIfAbsent(outcome, describe(as, sql));
    if (STATEMENT_LOG != null) {
      synchronized (STATEMENT_LOG) {
        STATEMENT_LOG.println(outcome + "\t" + describe(as, sql).replace('\n', ' '));
      }
    }
    return code;
  }

  private void finding(String finding) {
    synchronized (findings) {
      findings.add(finding);
    }
  }

  private int findingCount() {
    synchronized (findings) {
      return findings.size();
    }
  }

  private String check(String principal, String sql, TributaryException e) {
    if (!DOCUMENTED.contains(e.errorCode())) {
      finding("undocumented code " + e + " for " + describe(principal, sql));
    } else if (e.getMessage() == null || !e.getMessage().startsWith("Cannot ")) {
      finding("message not of the form 'Cannot ...': " + e + " for " + describe(principal, sql));
    }
    return e.code();
  }

  private Subscription subscribe(TributaryClient client, String sql, Object[] params) {
    return client.subscribe(
        sql,
        new SubscriptionListener() {
          @Override
          public void onInsert(Row row, long seq) {}

          @Override
          public void onUpdate(Row oldRow, Row newRow, long seq) {}

          @Override
          public void onDelete(Row row, long seq) {}

          @Override
          public void onError(TributaryException e) {
            synchronized (subscriptionErrors) {
              subscriptionErrors.add(e);
            }
          }
        },
        params);
  }

  private static Object[] params(Random random) {
    Object[] params = new Object[random.nextInt(4)];
    for (int i = 0; i < params.length; i++) {
      params[i] =
          switch (random.nextInt(12)) {
            case 0 -> null;
            case 1 -> random.nextInt();
            case 2 -> random.nextLong();
            case 3 -> random.nextDouble() * 1e300;
            case 4 -> new BigDecimal("123456789012345678901234567890.123456789");
            case 5 -> "text\u0000\uD83D\uDE00";
            case 6 -> new byte[] {0, (byte) 0xFF};
            case 7 -> random.nextBoolean();
            case 8 -> Instant.ofEpochMilli(random.nextLong() >> 20);
            case 9 -> LocalDate.of(1 + random.nextInt(9999), 1, 1);
            case 10 -> UUID.randomUUID();
            default -> "x".repeat(random.nextInt(1000));
          };
    }
    return params;
  }

  private static PrintStream openLog(String file) {
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      return new PrintStream(new FileOutputStream(file), true, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String fingerprint(TributaryClient root) {
    StringBuilder b = new StringBuilder();
    for (Row row : root.query(CanaryProbes.FINGERPRINT).rows()) {
      b.append(row.values()).append('\n');
    }
    return b.toString();
  }

  private static String describe(String principal, String sql) {
    String shown =
        sql.length() > 300 ? sql.substring(0, 300) + "… (" + sql.length() + " chars)" : sql;
    return "[" + principal + "] " + shown.replace("\u0000", "\\0");
  }
}
