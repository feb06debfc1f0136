package io.meshlane.control.telemetry.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Reads a peer's local telemetry over HTTPS, trusting only the peer's own CA. */
final class PeerClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final FederationPeer peer;
    private final HttpClient http;
    private final Duration timeout;

    PeerClient(FederationPeer peer, Duration timeout) {
        this.peer = peer;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().sslContext(trusting(peer)).connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    FederationPeer peer() {
        return peer;
    }

    /** GETs {@code path} with {@code scope=local} added, so that peers never fan out in turn. */
    CompletableFuture<JsonNode> get(String path, Map<String, String> query) {
        String params = query.entrySet().stream()
                .filter(e -> !e.getKey().equals("scope"))
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        URI uri = peer.server().resolve(path + "?" + (params.isEmpty() ? "" : params + "&") + "scope=local");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Authorization", "Bearer " + peer.token()).header("Accept", "application/json").GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
            if (response.statusCode() == 404 && path.contains("/traces/")) {
                return null;
            }
            if (response.statusCode() != 200) {
                throw new PeerException("peer " + peer.name() + " answered " + response.statusCode() + " to " + path + ": "
                        + message(response.body()));
            }
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new PeerException("peer " + peer.name() + " sent a body that is not JSON for " + path);
            }
        });
    }

    private static String message(byte[] body) {
        try {
            JsonNode status = JSON.readTree(body);
            return status.path("message").asText(new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static SSLContext trusting(FederationPeer peer) {
        try {
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(peer.caPem().getBytes(StandardCharsets.US_ASCII)));
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("peer-ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("the CA certificate of peer " + peer.name() + " cannot be used: " + e.getMessage(), e);
        }
    }

    /** A peer that could not be read; its message names the peer and what went wrong. */
    static final class PeerException extends RuntimeException {
        PeerException(String message) {
            super(message);
        }
    }
}
