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
        return write(dataDir, serverUrl, java.util.List.of(), tls, token);
    }

    /**
     * As above, plus one cluster and context per other replica ({@code meshlane-<host>-<port>}):
     * a kubeconfig cluster has one server, so failing over is {@code kubectl --context …}.
     */
    public static Path write(Path dataDir, String serverUrl, java.util.List<String> otherReplicas, TlsMaterial tls, Token token) {
        Path file = dataDir.resolve("kubeconfig");
        String ca = Base64.getEncoder().encodeToString(tls.caPem().getBytes(StandardCharsets.US_ASCII));
        StringBuilder clusters = new StringBuilder();
        StringBuilder contexts = new StringBuilder();
        java.util.List<String> servers = new java.util.ArrayList<>(java.util.List.of(serverUrl));
        otherReplicas.stream().filter(u -> !u.equals(serverUrl)).sorted().forEach(servers::add);
        for (int i = 0; i < servers.size(); i++) {
            String name = i == 0 ? "meshlane" : "meshlane-" + servers.get(i).replaceFirst("^https://", "").replaceAll("[^A-Za-z0-9.]+", "-");
            clusters.append("""
                    - name: %s
                      cluster:
                        server: %s
                        certificate-authority-data: %s
                    """.formatted(name, servers.get(i), ca));
            contexts.append("""
                    - name: %s
                      context:
                        cluster: %s
                        user: meshlane-admin
                        namespace: default
                    """.formatted(name, name));
        }
        String yaml = "apiVersion: v1\nkind: Config\nclusters:\n" + clusters + """
                users:
                - name: meshlane-admin
                  user:
                    token: %s
                contexts:
                """.formatted(token.value()) + contexts + "current-context: meshlane\n";
        try {
            PrivateFiles.write(file, yaml);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the kubeconfig " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
