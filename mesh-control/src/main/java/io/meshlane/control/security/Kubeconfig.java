package io.meshlane.control.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/** Writes {@code <data-dir>/kubeconfig} so that {@code kubectl --kubeconfig <it>} reaches the control plane. */
public final class Kubeconfig {
    private Kubeconfig() {
    }

    public static Path write(Path dataDir, String serverUrl, TlsMaterial tls, Token token) {
        Path file = dataDir.resolve("kubeconfig");
        String ca = Base64.getEncoder().encodeToString(tls.caPem().getBytes(StandardCharsets.US_ASCII));
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: meshlane
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: meshlane-admin
                  user:
                    token: %s
                contexts:
                - name: meshlane
                  context:
                    cluster: meshlane
                    user: meshlane-admin
                    namespace: default
                current-context: meshlane
                """.formatted(serverUrl, ca, token.value());
        try {
            PrivateFiles.write(file, yaml);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the kubeconfig " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
