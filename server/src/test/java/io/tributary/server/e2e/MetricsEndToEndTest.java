package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.client.TributaryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} of a real server: operators' tokens only, with the JVM's metrics. */
class MetricsEndToEndTest {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void shouldServeJvmAndTributaryMetricsToASystemUsersToken() throws Exception {
    String token;
    try (TributaryClient root = TributaryClient.connect(SharedServer.url())) {
      token = root.login("root", SharedServer.ROOT_PASSWORD).token();
    }

    HttpResponse<String> metrics = get("Bearer " + token);

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("jvm_memory_used_bytes{")
        .contains("jvm_gc_")
        .contains("jvm_threads_live_threads ")
        .contains("jvm_classes_loaded_classes ")
        .contains("process_cpu_usage ")
        .contains("process_uptime_seconds ")
        .contains("process_files_open_files ")
        .contains("disk_free_bytes{")
        .contains("tributary_logins_total{result=\"ok\"} ")
        .contains("tributary_live_subscriptions ");
  }

  @Test
  void shouldRefuseMetricsWithoutAToken() throws Exception {
    HttpResponse<String> metrics = get(null);

    assertThat(metrics.statusCode()).isEqualTo(401);
    assertThat(metrics.body())
        .isEqualTo(
            "Cannot authenticate: missing 'authorization: Bearer <token>' header (log in first)\n");
    assertThat(metrics.body()).doesNotContain("jvm_");
  }

  @Test
  void shouldRefuseMetricsToAUser() throws Exception {
    String token;
    try (TributaryClient root = TributaryClient.connect(SharedServer.url());
        TributaryClient user = TributaryClient.connect(SharedServer.url())) {
      root.login("root", SharedServer.ROOT_PASSWORD);
      root.update("CREATE USER 'metrics_viewer' WITH PASSWORD 'viewer-password' ROLE user");
      token = user.login("metrics_viewer", "viewer-password").token();
    }

    HttpResponse<String> metrics = get("Bearer " + token);

    assertThat(metrics.statusCode()).isEqualTo(403);
    assertThat(metrics.body())
        .isEqualTo("Cannot read metrics: role user may not read them (dba or system required)\n");
  }

  private HttpResponse<String> get(String authorization) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(SharedServer.url() + "/metrics"));
    if (authorization != null) {
      request.header("authorization", authorization);
    }
    return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
