package io.tributary.reliability.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Samples {@code GET /health} of a server at a fixed period on a thread of its own, from {@link
 * #start} until {@link #close}, and keeps every answer that was not {@code 200}. Thread-safe.
 */
public final class HealthSampler implements AutoCloseable {
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final HttpRequest request;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "health-sampler");
            t.setDaemon(true);
            return t;
          });
  private final AtomicInteger samples = new AtomicInteger();
  private final List<String> failures = new ArrayList<>();

  private HealthSampler(int port) {
    request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
            .timeout(Duration.ofSeconds(5))
            .build();
  }

  /** Starts sampling the server on {@code port} every {@code period}. */
  public static HealthSampler start(int port, Duration period) {
    HealthSampler sampler = new HealthSampler(port);
    sampler.timer.scheduleWithFixedDelay(
        sampler::sample, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    return sampler;
  }

  private void sample() {
    String failure;
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      failure = response.statusCode() == 200 ? null : response.statusCode() + " " + response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      failure = e.toString();
    }
    samples.incrementAndGet();
    if (failure != null) {
      synchronized (failures) {
        failures.add(failure);
      }
    }
  }

  /** How many answers (or failed requests) were sampled so far. */
  public int samples() {
    return samples.get();
  }

  /** The answers other than {@code 200}, and the requests that failed. */
  public List<String> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
