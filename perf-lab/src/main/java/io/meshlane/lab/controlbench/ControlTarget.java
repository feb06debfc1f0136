package io.meshlane.lab.controlbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The control plane a benchmark talks to, as its kubeconfig names it: server URL, the CA to trust, the bearer token. */
public record ControlTarget(URI server, SSLContext tls, String token) {

    /** Reads the current context's cluster and user, as kubectl would (embedded CA data and a token only). */
    public static ControlTarget fromKubeconfig(Path kubeconfig) {
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(kubeconfig.toFile());
            String current = root.path("current-context").asText();
            JsonNode context = named(root.path("contexts"), current, kubeconfig).path("context");
            JsonNode cluster = named(root.path("clusters"), context.path("cluster").asText(), kubeconfig).path("cluster");
            JsonNode user = named(root.path("users"), context.path("user").asText(), kubeconfig).path("user");
            byte[] ca = Base64.getDecoder().decode(cluster.path("certificate-authority-data").asText());
            return new ControlTarget(URI.create(cluster.path("server").asText()), trusting(ca), user.path("token").asText());
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the control plane's kubeconfig " + kubeconfig + ": " + e.getMessage()
                    + " (it needs certificate-authority-data and a token, as ./meshlane control writes it)", e);
        }
    }

    private static JsonNode named(JsonNode list, String name, Path kubeconfig) {
        for (JsonNode entry : list) {
            if (entry.path("name").asText().equals(name)) {
                return entry;
            }
        }
        throw new IllegalArgumentException("no entry named '" + name + "' in " + kubeconfig);
    }

    private static SSLContext trusting(byte[] caPem) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("control-plane-ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }
}
