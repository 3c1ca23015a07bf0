package io.tributary.server.api;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.server.TlsConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The certificate chain and private key of {@link TlsConfig}, read from PEM files and checked
 * before the port opens, so that a wrong file fails the start with a message naming it rather than
 * every later handshake.
 */
record TlsMaterial(PrivateKey privateKey, List<X509Certificate> certificateChain) {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

  /**
   * Reads and checks the files of {@code tls}.
   *
   * @throws TributaryException INVALID_ARGUMENT when a file cannot be read, holds no certificate or
   *     no supported unencrypted key, or the key is not the one of the first certificate
   */
  static TlsMaterial load(TlsConfig tls) {
    List<X509Certificate> chain = readCertificates(tls.certificateChain());
    PrivateKey key = readPrivateKey(tls.privateKey());
    if (!matches(key, chain.get(0).getPublicKey())) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot use TLS key %s: it is not the key of the certificate in %s",
          tls.privateKey(),
          tls.certificateChain());
    }
    return new TlsMaterial(key, List.copyOf(chain));
  }

  /** The first certificate's end of validity. */
  Instant notAfter() {
    return certificateChain.get(0).getNotAfter().toInstant();
  }

  static List<X509Certificate> readCertificates(Path file) {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block block : blocks(file, "TLS certificate")) {
        if (block.type().equals("CERTIFICATE")) {
          chain.add(
              (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
        }
      }
    } catch (CertificateException e) {
      throw invalid(
          "TLS certificate", file, "not a valid X.509 certificate (" + e.getMessage() + ")");
    }
    if (chain.isEmpty()) {
      throw invalid("TLS certificate", file, "no PEM block 'BEGIN CERTIFICATE' found");
    }
    return chain;
  }

  static PrivateKey readPrivateKey(Path file) {
    for (Block block : blocks(file, "TLS key")) {
      switch (block.type()) {
        case "PRIVATE KEY":
          return pkcs8(file, block.der());
        case "RSA PRIVATE KEY":
          return pkcs8(file, rsaToPkcs8(file, block.der()));
        case "EC PRIVATE KEY":
          return pkcs8(file, ecToPkcs8(file, block.der()));
        case "ENCRYPTED PRIVATE KEY":
          throw invalid(
              "TLS key",
              file,
              "the key is encrypted; decrypt it first (openssl pkcs8 -topk8 -nocrypt -in"
                  + " <encrypted> -out <key.pem>) and keep the file owner-only");
        default:
          // EC PARAMETERS and the like precede the key in some files
      }
    }
    throw invalid(
        "TLS key",
        file,
        "no PEM block 'BEGIN PRIVATE KEY', 'BEGIN RSA PRIVATE KEY' or 'BEGIN EC PRIVATE KEY' found");
  }

  private record Block(String type, byte[] der) {}

  private static List<Block> blocks(Path file, String what) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      throw invalid(what, file, e.toString());
    }
    List<Block> blocks = new ArrayList<>();
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      try {
        blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw invalid(what, file, "PEM block '" + m.group(1) + "' is not valid base64");
      }
    }
    return blocks;
  }

  private static PrivateKey pkcs8(Path file, byte[] der) {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException | RuntimeException e) {
        // not this algorithm; try the next
      }
    }
    throw invalid("TLS key", file, "not an RSA, EC or EdDSA private key");
  }

  /** PKCS#1 {@code RSAPrivateKey} to PKCS#8 {@code PrivateKeyInfo}. */
  private static byte[] rsaToPkcs8(Path file, byte[] der) {
    try {
      return new PrivateKeyInfo(
              new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
              RSAPrivateKey.getInstance(der))
          .getEncoded();
    } catch (IOException | RuntimeException e) {
      throw invalid("TLS key", file, "not a valid PKCS#1 RSA private key");
    }
  }

  /** SEC 1 {@code ECPrivateKey} (with its curve) to PKCS#8 {@code PrivateKeyInfo}. */
  private static byte[] ecToPkcs8(Path file, byte[] der) {
    try {
      ECPrivateKey ec = ECPrivateKey.getInstance(der);
      if (ec.getParametersObject() == null) {
        throw invalid("TLS key", file, "the EC private key does not name its curve");
      }
      return new PrivateKeyInfo(
              new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, ec.getParametersObject()),
              ec)
          .getEncoded();
    } catch (IOException | IllegalArgumentException e) {
      throw invalid("TLS key", file, "not a valid SEC 1 EC private key");
    }
  }

  /** Whether {@code key} signs what {@code publicKey} verifies. */
  private static boolean matches(PrivateKey key, PublicKey publicKey) {
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // Ed25519, Ed448
        };
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static TributaryException invalid(String what, Path file, String reason) {
    return TributaryException.of(
        ErrorCode.INVALID_ARGUMENT, "Cannot use %s %s: %s", what, file, reason);
  }
}
