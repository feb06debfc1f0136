package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.util.List;
import java.util.Locale;

/**
 * PeerAuthentication → what a workload's inbound side requires, with Istio's precedence: the policy whose
 * selector matches the workload, else its namespace's selector-less one, else the root namespace's; a
 * level whose mode is UNSET (or absent) inherits the next; {@code portLevelMtls} of a selecting policy
 * overrides per port. Without any policy the mode is PERMISSIVE, as in Istio.
 */
final class InboundTls {
    enum Mode { STRICT, PERMISSIVE, DISABLE }

    private InboundTls() {
    }

    /** The mode for one inbound port of a workload, from the PeerAuthentications that apply to it. */
    static Mode mode(List<MeshObject> policies, String namespace, int port) {
        MeshObject selecting = null;
        MeshObject namespaceWide = null;
        MeshObject meshWide = null;
        for (MeshObject p : policies) {
            boolean selects = !p.spec().path("selector").path("matchLabels").isEmpty();
            if (selects && p.namespace().equals(namespace)) {
                selecting = older(selecting, p);
            } else if (p.namespace().equals(namespace)) {
                namespaceWide = older(namespaceWide, p);
            } else {
                meshWide = older(meshWide, p);
            }
        }
        if (selecting != null) {
            Mode m = parse(selecting.spec().path("portLevelMtls").path(String.valueOf(port)).path("mode"), selecting);
            if (m != null) {
                return m;
            }
        }
        for (MeshObject level : new MeshObject[] {selecting, namespaceWide, meshWide}) {
            Mode m = level == null ? null : parse(level.spec().path("mtls").path("mode"), level);
            if (m != null) {
                return m;
            }
        }
        return Mode.PERMISSIVE;
    }

    /** Checks the modes of one PeerAuthentication. */
    static void validate(MeshObject policy) {
        parse(policy.spec().path("mtls").path("mode"), policy);
        policy.spec().path("portLevelMtls").fields().forEachRemaining(e -> {
            try {
                int port = Integer.parseInt(e.getKey());
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException x) {
                throw new TranslationException("PeerAuthentication " + MeshIndex.key(policy) + " spec.portLevelMtls: '" + e.getKey()
                        + "' is not a port number (1-65535)");
            }
            parse(e.getValue().path("mode"), policy);
        });
    }

    private static MeshObject older(MeshObject best, MeshObject candidate) {
        if (best == null) {
            return candidate;
        }
        String a = best.object().path("metadata").path("creationTimestamp").asText("");
        String b = candidate.object().path("metadata").path("creationTimestamp").asText("");
        return b.compareTo(a) < 0 ? candidate : best;
    }

    private static Mode parse(JsonNode mode, MeshObject policy) {
        String m = mode.asText("UNSET").toUpperCase(Locale.ROOT);
        return switch (m) {
            case "UNSET", "" -> null;
            case "STRICT" -> Mode.STRICT;
            case "PERMISSIVE" -> Mode.PERMISSIVE;
            case "DISABLE" -> Mode.DISABLE;
            default -> throw new TranslationException("PeerAuthentication " + MeshIndex.key(policy) + " mode: Unsupported value: \"" + m
                    + "\": supported values: \"UNSET\", \"DISABLE\", \"PERMISSIVE\", \"STRICT\"");
        };
    }

    /**
     * The mesh mTLS server side: the workload's certificate and the mesh roots from certificate-provider
     * instance {@code default} (as the client side, {@link UpstreamTls}), a client certificate required.
     */
    static TransportSocket meshMtls() {
        CommonTlsContext common = CommonTlsContext.newBuilder()
                .setTlsCertificateProviderInstance(UpstreamTls.provider(UpstreamTls.PROVIDER))
                .setValidationContext(CertificateValidationContext.newBuilder()
                        .setCaCertificateProviderInstance(UpstreamTls.provider(UpstreamTls.ROOT_CERTIFICATE)))
                .build();
        return downstream(common, true);
    }

    static TransportSocket downstream(CommonTlsContext common, boolean requireClientCertificate) {
        DownstreamTlsContext.Builder context = DownstreamTlsContext.newBuilder().setCommonTlsContext(common);
        if (requireClientCertificate) {
            context.setRequireClientCertificate(BoolValue.of(true));
        }
        return TransportSocket.newBuilder().setName(UpstreamTls.TRANSPORT_SOCKET).setTypedConfig(Any.pack(context.build())).build();
    }
}
