package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Locale;
import java.util.Optional;

/**
 * A DestinationRule's {@code tls} as the cluster's upstream TLS transport socket. DISABLE: none. SIMPLE: the
 * server is verified against caCertificates (the system's bundle when absent) unless insecureSkipVerify.
 * MUTUAL: also the client certificate and key files. ISTIO_MUTUAL: the workload's mesh identity, from the
 * certificate-provider instance {@code default} (certificate {@code default}, roots {@code ROOTCA}), which
 * both Envoy and grpc-java's xDS security read. meshlane serves no SDS secrets, so credentialName is not
 * translated (the field table says so); MUTUAL then needs the files.
 */
final class UpstreamTls {
    static final String TRANSPORT_SOCKET = "envoy.transport_sockets.tls";
    static final String PROVIDER = "default";
    static final String ROOT_CERTIFICATE = "ROOTCA";
    /** Debian's and most distributions' bundle of public roots, as Istio trusts the platform's when no CA is given. */
    static final String SYSTEM_ROOTS = "/etc/ssl/certs/ca-certificates.crt";

    private UpstreamTls() {
    }

    static Optional<TransportSocket> transportSocket(JsonNode tls, String where) {
        if (!tls.isObject()) {
            return Optional.empty();
        }
        String field = where + " trafficPolicy.tls";
        String mode = tls.path("mode").asText("DISABLE").toUpperCase(Locale.ROOT);
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
        switch (mode) {
            case "DISABLE" -> {
                return Optional.empty();
            }
            case "ISTIO_MUTUAL" -> {
                common.setTlsCertificateProviderInstance(provider(PROVIDER));
                CertificateValidationContext.Builder roots = CertificateValidationContext.newBuilder()
                        .setCaCertificateProviderInstance(provider(ROOT_CERTIFICATE));
                subjectAltNames(tls, roots);
                common.setValidationContext(roots);
            }
            case "SIMPLE", "MUTUAL" -> {
                if (mode.equals("MUTUAL")) {
                    clientCertificate(tls, common, field);
                }
                if (!tls.path("insecureSkipVerify").asBoolean(false)) {
                    serverValidation(tls, common);
                }
            }
            default -> throw new TranslationException(field + ".mode: Unsupported value: \"" + mode
                    + "\": supported values: \"DISABLE\", \"SIMPLE\", \"MUTUAL\", \"ISTIO_MUTUAL\"");
        }
        UpstreamTlsContext.Builder context = UpstreamTlsContext.newBuilder().setCommonTlsContext(common);
        if (tls.hasNonNull("sni")) {
            context.setSni(tls.path("sni").asText());
        }
        return Optional.of(TransportSocket.newBuilder().setName(TRANSPORT_SOCKET).setTypedConfig(Any.pack(context.build())).build());
    }

    static CertificateProviderPluginInstance provider(String certificate) {
        return CertificateProviderPluginInstance.newBuilder().setInstanceName(PROVIDER).setCertificateName(certificate).build();
    }

    private static void clientCertificate(JsonNode tls, CommonTlsContext.Builder common, String field) {
        if (tls.hasNonNull("clientCertificate") && tls.hasNonNull("privateKey")) {
            common.addTlsCertificates(TlsCertificate.newBuilder()
                    .setCertificateChain(DataSource.newBuilder().setFilename(tls.path("clientCertificate").asText()))
                    .setPrivateKey(DataSource.newBuilder().setFilename(tls.path("privateKey").asText())));
        } else {
            throw new TranslationException(field + ": MUTUAL needs clientCertificate and privateKey (files on the client;"
                    + " meshlane serves no SDS secrets, so credentialName cannot stand in for them)");
        }
    }

    private static void serverValidation(JsonNode tls, CommonTlsContext.Builder common) {
        CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
        subjectAltNames(tls, validation);
        validation.setTrustedCa(DataSource.newBuilder().setFilename(tls.path("caCertificates").asText(SYSTEM_ROOTS)));
        if (tls.hasNonNull("caCrl")) {
            validation.setCrl(DataSource.newBuilder().setFilename(tls.path("caCrl").asText()));
        }
        common.setValidationContext(validation);
    }

    static void subjectAltNames(JsonNode tls, CertificateValidationContext.Builder validation) {
        for (JsonNode san : tls.path("subjectAltNames")) {
            String name = san.asText();
            validation.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                    .setSanType(name.contains("://") ? SubjectAltNameMatcher.SanType.URI : SubjectAltNameMatcher.SanType.DNS)
                    .setMatcher(StringMatcher.newBuilder().setExact(name)));
        }
    }
}
