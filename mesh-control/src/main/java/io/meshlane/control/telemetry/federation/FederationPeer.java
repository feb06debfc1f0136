package io.meshlane.control.telemetry.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * A peer control plane, described by the kubeconfig it wrote for itself: where it serves, the CA
 * that signed its certificate and the token to present. Using the kubeconfig means an operator
 * federates two planes by copying one file, the same one they already give kubectl.
 */
public record FederationPeer(String name, URI server, String caPem, String token) {

    public static FederationPeer fromKubeconfig(Path file) {
        JsonNode config;
        try {
            config = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the peer kubeconfig " + file + ": " + e.getMessage()
                    + " (give the kubeconfig the peer control plane wrote under its data directory)", e);
        }
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException("the peer kubeconfig " + file + " is empty or not a YAML mapping");
        }
        JsonNode cluster = config.path("clusters").path(0).path("cluster");
        JsonNode user = config.path("users").path(0).path("user");
        String server = cluster.path("server").asText("");
        String caData = cluster.path("certificate-authority-data").asText("");
        String token = user.path("token").asText("");
        if (!server.startsWith("https://")) {
            throw new IllegalArgumentException("the peer kubeconfig " + file + " has no https clusters[0].cluster.server (found \""
                    + server + "\")");
        }
        if (caData.isEmpty() || token.isEmpty()) {
            throw new IllegalArgumentException("the peer kubeconfig " + file
                    + " needs clusters[0].cluster.certificate-authority-data and users[0].user.token");
        }
        String ca;
        try {
            ca = new String(Base64.getDecoder().decode(caData), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the peer kubeconfig " + file + " has certificate-authority-data that is not base64", e);
        }
        URI uri = URI.create(server);
        return new FederationPeer(uri.getHost() + ":" + uri.getPort(), uri, ca, token);
    }
}
