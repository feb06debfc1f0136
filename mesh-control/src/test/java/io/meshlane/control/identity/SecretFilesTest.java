package io.meshlane.control.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every file holding a private key or a token is owner-only (0600) from the moment it exists; certificates carry lifetimes. */
class SecretFilesTest {

    @TempDir
    Path data;

    @Test
    void keysAndTokensAreOwnerOnlyAndCertificatesExpire() throws Exception {
        try (ControlPlane plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(data).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF)))) {
            new JoinTokens(data).create("east", Duration.ofHours(1), JoinToken.Scope.agent);
            new JoinTokens(data).create("east", Duration.ofHours(1), JoinToken.Scope.telemetry);

            List<Path> secrets;
            try (Stream<Path> tokens = Files.list(data.resolve("join-tokens"))) {
                secrets = Stream.concat(Stream.of("ca.key", "server.p12", "server.p12.pass", "token", "kubeconfig").map(data::resolve),
                        tokens).toList();
            }
            assertEquals(7, secrets.size(), secrets.toString());
            for (Path secret : secrets) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)), secret.toString());
            }
            assertTrue(Files.readString(plane.kubeconfig()).contains(plane.token()), "the kubeconfig is a secret: it carries the token");

            X509Certificate ca;
            try (var in = Files.newInputStream(plane.caCertificate())) {
                ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            assertTrue(ca.getNotAfter().toInstant().isBefore(ca.getNotBefore().toInstant().plus(Duration.ofDays(3651))), "the CA expires");
        }
    }
}
