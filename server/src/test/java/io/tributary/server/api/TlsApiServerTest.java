package io.tributary.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.TlsKeyPair;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.client.TributaryClient;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.server.ServerConfig;
import io.tributary.server.TlsConfig;
import io.tributary.server.auth.TokenService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API port with {@code --tls-cert}/{@code --tls-key}: a self-signed certificate made for the
 * test (subject alternative names localhost, 127.0.0.1, ::1), real calls over TLS, and the ways a
 * certificate or key is refused. One server for the class (closing one takes about 2 s).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsApiServerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private final TlsKeyPair pair = TlsKeyPair.ofSelfSigned("localhost");
  private final FakeStatementRunner runner = new FakeStatementRunner();
  private Path cert;
  private Path key;
  private ApiServer server;

  @BeforeAll
  void start() throws Exception {
    cert = write("cert.pem", pem("CERTIFICATE", pair.certificateChain().get(0).getEncoded()));
    key = write("key.pem", pem("PRIVATE KEY", pair.privateKey().getEncoded()));
    server = ApiServer.start(config(new TlsConfig(cert, key)), runner, tokens(), registry());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void shouldServeGrpcOverTlsToAClientTrustingTheCertificate() {
    try (TributaryClient client = TributaryClient.connect(https(), TIMEOUT, cert)) {
      client.login("alice", "secret");

      assertThat(client.query("SELECT NUMBERS").rows())
          .extracting(r -> r.getLong("id"))
          .containsExactly(1L, 22L);
    }
  }

  @Test
  void shouldRefusePlaintextOnTheTlsPort() {
    try (TributaryClient client =
        TributaryClient.connect("http://127.0.0.1:" + server.port(), TIMEOUT)) {
      assertThatThrownBy(() -> client.login("alice", "secret"))
          .isInstanceOfSatisfying(
              io.tributary.client.TributaryException.class,
              e -> assertThat(e.code()).isEqualTo("UNAVAILABLE"))
          .hasMessageStartingWith("Cannot log in: ");
    }
  }

  @Test
  void shouldFailTheHandshakeOfAClientThatDoesNotTrustTheCertificate() {
    try (TributaryClient client = TributaryClient.connect(https(), TIMEOUT)) {
      assertThatThrownBy(() -> client.login("alice", "secret"))
          .isInstanceOfSatisfying(
              io.tributary.client.TributaryException.class,
              e -> assertThat(e.code()).isEqualTo("UNAVAILABLE"))
          .hasMessageStartingWith("Cannot log in: ");
    }
  }

  @Test
  void shouldServeHttpEndpointsOverHttps() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("tributary", pair.certificateChain().get(0));
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, factory.getTrustManagers(), null);
    HttpClient http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(TIMEOUT).build();

    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create(https() + "/health")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok");
    assertThat(health.uri().getScheme()).isEqualTo("https");
  }

  @Test
  void shouldRefuseAKeyThatIsNotTheCertificates() throws IOException {
    TlsKeyPair other = TlsKeyPair.ofSelfSigned("localhost");
    Path otherKey = write("other-key.pem", pem("PRIVATE KEY", other.privateKey().getEncoded()));

    assertThatThrownBy(() -> TlsMaterial.load(new TlsConfig(cert, otherKey)))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessage(
            "Cannot use TLS key " + otherKey + ": it is not the key of the certificate in " + cert);
  }

  @Test
  void shouldRefuseToStartWithAMissingCertificate() {
    Path missing = dir.resolve("missing.pem");
    TlsConfig tls = new TlsConfig(missing, key);

    assertThatThrownBy(() -> ApiServer.start(config(tls), runner, tokens(), registry()))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessage(
            "Cannot use TLS certificate "
                + missing
                + ": java.nio.file.NoSuchFileException: "
                + missing);
  }

  @Test
  void shouldRefuseAFileWithoutCertificate() {
    assertThatThrownBy(() -> TlsMaterial.load(new TlsConfig(key, key)))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot use TLS certificate " + key + ": no PEM block 'BEGIN CERTIFICATE' found");
  }

  @Test
  void shouldRefuseAnEncryptedKey() throws IOException {
    Path encrypted = write("encrypted.pem", pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3}));

    assertThatThrownBy(() -> TlsMaterial.load(new TlsConfig(cert, encrypted)))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot use TLS key "
                + encrypted
                + ": the key is encrypted; decrypt it first (openssl pkcs8 -topk8 -nocrypt -in"
                + " <encrypted> -out <key.pem>) and keep the file owner-only");
  }

  @Test
  void shouldRefuseAKeyFileWithoutKey() {
    assertThatThrownBy(() -> TlsMaterial.load(new TlsConfig(cert, cert)))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot use TLS key "
                + cert
                + ": no PEM block 'BEGIN PRIVATE KEY', 'BEGIN RSA PRIVATE KEY' or 'BEGIN EC PRIVATE"
                + " KEY' found");
  }

  @Test
  void shouldReadATraditionalRsaKey() throws IOException {
    byte[] pkcs1 =
        PrivateKeyInfo.getInstance(pair.privateKey().getEncoded())
            .parsePrivateKey()
            .toASN1Primitive()
            .getEncoded();
    Path rsa = write("rsa-key.pem", pem("RSA PRIVATE KEY", pkcs1));

    TlsMaterial material = TlsMaterial.load(new TlsConfig(cert, rsa));

    assertThat(material.privateKey().getEncoded()).isEqualTo(pair.privateKey().getEncoded());
    assertThat(material.certificateChain())
        .containsExactly((X509Certificate) pair.certificateChain().get(0));
  }

  @Test
  void shouldReadAnEcKeyInSec1FormAfterItsParameters() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ec = generator.generateKeyPair();
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(ec.getPrivate().getEncoded());
    byte[] sec1 =
        new org.bouncycastle.asn1.sec.ECPrivateKey(
                256,
                ((ECPrivateKey) ec.getPrivate()).getS(),
                info.getPrivateKeyAlgorithm().getParameters())
            .getEncoded();
    Path file =
        write(
            "ec-key.pem",
            pem(
                    "EC PARAMETERS",
                    info.getPrivateKeyAlgorithm().getParameters().toASN1Primitive().getEncoded())
                + pem("EC PRIVATE KEY", sec1));

    PrivateKey read = TlsMaterial.readPrivateKey(file);

    assertThat(read.getAlgorithm()).isEqualTo("EC");
    assertThat(((ECPrivateKey) read).getS()).isEqualTo(((ECPrivateKey) ec.getPrivate()).getS());
  }

  private String https() {
    return "https://127.0.0.1:" + server.port();
  }

  private ServerConfig config(TlsConfig tls) {
    return ServerConfig.defaults().withPort(0).withDataDir(dir).withTls(tls);
  }

  private TokenService tokens() {
    return new TokenService(dir, Duration.ofMinutes(30), Clock.systemUTC());
  }

  private static PrometheusMeterRegistry registry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.US_ASCII);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
