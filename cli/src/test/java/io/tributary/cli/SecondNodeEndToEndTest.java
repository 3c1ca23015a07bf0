package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tributary.client.TributaryClient;
import io.tributary.log.LogException;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import io.tributary.server.e2e.SharedServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second node pointed at the cluster another node serves must refuse to start, and leave the
 * first one serving: several nodes on one cluster would split the materializer's partitions.
 */
class SecondNodeEndToEndTest {
  private static final String REFUSAL =
      "Cannot start: another Tributary node is already serving this cluster (consumer group"
          + " 'tributary-materializer' has 1 active member, from /127.0.0.1); running several"
          + " nodes on one cluster is not supported yet";

  @TempDir Path secondDataDir;

  @Test
  void shouldRefuseToStartASecondNodeOnTheClusterOfARunningOne() {
    TributaryServer first = SharedServer.get();
    ServerConfig second =
        ServerConfig.defaults()
            .withDataDir(secondDataDir)
            .withPort(0)
            .withRootPassword(SharedServer.ROOT_PASSWORD)
            .withKafkaBootstrap(first.logBootstrapServers());

    assertThatThrownBy(() -> TributaryServer.start(second))
        .isInstanceOf(LogException.class)
        .hasMessage(REFUSAL);

    assertFirstNodeStillServes(first, "second_node_api");
  }

  @Test
  void shouldExitWithStatusOneFromTheCommandLine() {
    TributaryServer first = SharedServer.get();

    int status =
        assertTimeoutPreemptively(
            Duration.ofSeconds(120),
            () ->
                MainAccess.run(
                    Map.of("TRIBUTARY_ROOT_PASSWORD", SharedServer.ROOT_PASSWORD),
                    "start",
                    "--port",
                    "0",
                    "--data-dir",
                    secondDataDir.toString(),
                    "--kafka-bootstrap",
                    first.logBootstrapServers()));

    assertThat(status).isEqualTo(1);
    assertFirstNodeStillServes(first, "second_node_cli");
  }

  private static void assertFirstNodeStillServes(TributaryServer first, String namespace) {
    try (TributaryClient root = TributaryClient.connect("http://127.0.0.1:" + first.port())) {
      root.login("root", SharedServer.ROOT_PASSWORD);
      root.update(
          "CREATE NAMESPACE "
              + namespace
              + "; CREATE TABLE "
              + namespace
              + ".notes (id INT PRIMARY KEY, body TEXT)");
      assertThat(root.update("INSERT INTO " + namespace + ".notes VALUES (1, 'still here')"))
          .isEqualTo(1);
      assertThat(root.query("SELECT body FROM " + namespace + ".notes").rows())
          .extracting(r -> r.getString("body"))
          .containsExactly("still here");
    }
  }
}
