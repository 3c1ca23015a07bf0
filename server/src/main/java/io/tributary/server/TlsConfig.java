package io.tributary.server;

import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS for the API port: a PEM certificate chain (the server's certificate first, then any
 * intermediates) and its PEM private key (unencrypted PKCS#8 {@code BEGIN PRIVATE KEY}, or the
 * traditional {@code BEGIN RSA PRIVATE KEY} and {@code BEGIN EC PRIVATE KEY} forms). With TLS the
 * port speaks HTTPS only: native gRPC over TLS (HTTP/2, ALPN {@code h2}) and gRPC-Web over HTTPS;
 * plaintext connections are refused. The files are read once, at start.
 *
 * @param certificateChain the PEM certificate chain file
 * @param privateKey the PEM private key file
 */
public record TlsConfig(Path certificateChain, Path privateKey) {
  public TlsConfig {
    Objects.requireNonNull(certificateChain, "certificateChain");
    Objects.requireNonNull(privateKey, "privateKey");
  }
}
