package io.tributary.reliability.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads one figure from a server's {@code GET /metrics} (Prometheus text) with a dba's token. */
public final class Metrics {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Metrics() {}

  /**
   * The sum of the samples of {@code name} whose labels contain {@code labelFilter} (empty: all).
   *
   * @throws IllegalStateException when {@code /metrics} does not answer 200 or has no such sample
   */
  public static double read(String url, String token, String name, String labelFilter)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url + "/metrics"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET /metrics answered " + response.statusCode());
    }
    double sum = 0;
    boolean found = false;
    for (String line : response.body().split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        if (line.contains(labelFilter)) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          found = true;
        }
      }
    }
    if (!found) {
      throw new IllegalStateException("No sample of " + name + " in /metrics");
    }
    return sum;
  }
}
