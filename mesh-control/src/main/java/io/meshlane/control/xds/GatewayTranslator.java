package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.meshlane.control.registry.Hosts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Gateways → an ingress Envoy's listeners and routes, Istio's shape: one bound listener {@code 0.0.0.0_<port>}
 * per server port; plaintext HTTP servers share route configuration {@code http.<port>}; each TLS-terminating
 * server (SIMPLE, MUTUAL, ISTIO_MUTUAL) gets a filter chain matched by SNI with its own route configuration
 * {@code https.<port>.<server>.<gateway>.<namespace>} and a downstream TLS context (credentialName as an SDS
 * reference {@code kubernetes://<name>}, its CA {@code kubernetes://<name>-cacert}; or the certificate files);
 * PASSTHROUGH servers get one chain per SNI route of the bound VirtualServices' {@code tls} section, proxied
 * as TCP. VirtualServices apply to a gateway that their {@code gateways} name ({@code name} in their own
 * namespace, or {@code namespace/name}); their hosts are matched against the server's hosts
 * ({@code [namespace/]host}, wildcards allowed).
 */
final class GatewayTranslator {
    static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

    /** The routes of one VirtualService for a virtual host of {@code host} on gateway port {@code port}. */
    interface Routes {
        List<Route> of(MeshObject vs, String host, int port);
    }

    private GatewayTranslator() {
    }

    /** A gateway server's view: where it came from, its port and its hosts. */
    private record Server(MeshObject gateway, int index, JsonNode spec, int port, List<String> hosts) {
        String field() {
            return "Gateway " + MeshIndex.key(gateway) + " spec.servers[" + index + "]";
        }

        String name() {
            return spec.path("port").path("name").asText("").isEmpty() ? String.valueOf(index) : spec.path("port").path("name").asText();
        }
    }

    /**
     * The listeners ({@code L}) and route configurations ({@code R}) of a gateway proxy for the Gateways that
     * select it and the VirtualServices bound to each; throws {@link TranslationException} for a server
     * meshlane cannot serve.
     */
    static Map<String, XdsResource> translate(List<MeshObject> gateways, Map<String, List<MeshObject>> boundVirtualServices, Routes routes) {
        Map<Integer, List<Server>> byPort = new TreeMap<>();
        for (MeshObject g : gateways) {
            int i = 0;
            for (JsonNode s : g.spec().path("servers")) {
                Server server = new Server(g, i, s, s.path("port").path("number").asInt(-1), hosts(s));
                if (server.port() < 1 || server.port() > 65535) {
                    throw new TranslationException(server.field() + ".port.number: Required value (1-65535)");
                }
                byPort.computeIfAbsent(server.port(), p -> new ArrayList<>()).add(server);
                i++;
            }
        }
        Map<String, XdsResource> out = new LinkedHashMap<>();
        byPort.forEach((port, servers) -> {
            Listener.Builder listener = Listener.newBuilder().setName("0.0.0.0_" + port).setAddress(ListenerTranslator.any(port))
                    .setTrafficDirection(TrafficDirection.OUTBOUND);
            List<Server> plain = new ArrayList<>();
            boolean sni = false;
            for (Server s : servers) {
                String protocol = s.spec().path("port").path("protocol").asText("HTTP").toUpperCase(Locale.ROOT);
                String mode = s.spec().path("tls").path("mode").asText("").toUpperCase(Locale.ROOT);
                List<MeshObject> vss = boundVirtualServices.getOrDefault(MeshIndex.key(s.gateway()), List.of());
                switch (protocol) {
                    case "HTTP", "HTTP2", "GRPC" -> plain.add(s);
                    case "HTTPS" -> {
                        if (mode.equals("PASSTHROUGH")) {
                            passthrough(s, vss, listener);
                        } else {
                            String name = "https." + port + "." + s.name() + "." + s.gateway().name() + "." + s.gateway().namespace();
                            listener.addFilterChains(FilterChain.newBuilder().setName(name)
                                    .setFilterChainMatch(serverNames(s.hosts()))
                                    .setTransportSocket(InboundTls.downstream(terminate(s, mode), !mode.equals("SIMPLE")))
                                    .addFilters(connectionManager(name)));
                            out.put("R" + name, XdsResource.of(name, routeConfiguration(name, List.of(s), vss(s, boundVirtualServices),
                                    routes, false)));
                        }
                    }
                    case "TLS" -> {
                        if (!mode.equals("PASSTHROUGH")) {
                            throw new TranslationException(s.field() + ".tls.mode: a TLS server is supported with PASSTHROUGH only"
                                    + " (terminating TLS for TCP is not translated); use protocol HTTPS to terminate");
                        }
                        passthrough(s, vss, listener);
                    }
                    default -> throw new TranslationException(s.field() + ".port.protocol: \"" + protocol
                            + "\" is not served by meshlane's gateways (HTTP, HTTP2, GRPC, HTTPS, TLS with PASSTHROUGH)");
                }
                sni |= protocol.equals("HTTPS") || protocol.equals("TLS");
            }
            if (!plain.isEmpty()) {
                String name = "http." + port;
                boolean redirect = plain.stream().allMatch(s -> s.spec().path("tls").path("httpsRedirect").asBoolean(false));
                FilterChain.Builder chain = FilterChain.newBuilder().setName(name).addFilters(connectionManager(name));
                if (sni) {
                    chain.setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer"));
                }
                listener.addFilterChains(chain);
                Map<String, List<MeshObject>> bound = new LinkedHashMap<>();
                plain.forEach(s -> bound.putAll(vss(s, boundVirtualServices)));
                out.put("R" + name, XdsResource.of(name, routeConfiguration(name, plain, bound, routes, redirect)));
            }
            if (sni) {
                listener.addListenerFilters(ListenerFilter.newBuilder().setName(TLS_INSPECTOR).setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
            }
            if (listener.getFilterChainsCount() > 0) {
                out.put("L0.0.0.0_" + port, XdsResource.of("0.0.0.0_" + port, listener.build()));
            }
        });
        return out;
    }

    private static Map<String, List<MeshObject>> vss(Server s, Map<String, List<MeshObject>> bound) {
        return Map.of(MeshIndex.key(s.gateway()), bound.getOrDefault(MeshIndex.key(s.gateway()), List.of()));
    }

    private static List<String> hosts(JsonNode server) {
        List<String> out = new ArrayList<>();
        server.path("hosts").forEach(h -> out.add(h.asText()));
        return out;
    }

    private static Filter connectionManager(String routeName) {
        return Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                .setTypedConfig(Any.pack(ListenerTranslator.rdsManager(routeName, routeName))).build();
    }

    /** The SNI names of a server's hosts; none (any name) when one of them is a bare wildcard. */
    private static FilterChainMatch serverNames(List<String> hosts) {
        FilterChainMatch.Builder m = FilterChainMatch.newBuilder();
        for (String h : hosts) {
            String host = hostPart(h);
            if (host.equals("*")) {
                return FilterChainMatch.getDefaultInstance();
            }
            m.addServerNames(host);
        }
        return m.build();
    }

    private static String hostPart(String serverHost) {
        int slash = serverHost.indexOf('/');
        return slash < 0 ? serverHost : serverHost.substring(slash + 1);
    }

    /** Whether a server host ({@code [namespace/]host}) of a gateway admits a VirtualService host. */
    private static String admitted(String serverHost, MeshObject gateway, MeshObject vs, String vsHost) {
        int slash = serverHost.indexOf('/');
        String ns = slash < 0 ? "*" : serverHost.substring(0, slash);
        if (!(ns.equals("*") || ns.equals(".") && vs.namespace().equals(gateway.namespace()) || ns.equals(vs.namespace()))) {
            return null;
        }
        String host = hostPart(serverHost);
        if (covers(host, vsHost)) {
            return vsHost;
        }
        return covers(vsHost, host) ? host : null;
    }

    /** Whether wildcard-or-name {@code outer} covers {@code inner} ({@code *}, {@code *.example.com}). */
    private static boolean covers(String outer, String inner) {
        if (outer.equals("*") || outer.equals(inner)) {
            return true;
        }
        return outer.startsWith("*.") && inner.endsWith(outer.substring(1)) && !inner.startsWith("*");
    }

    private static RouteConfiguration routeConfiguration(String name, List<Server> servers, Map<String, List<MeshObject>> bound,
                                                         Routes routes, boolean httpsRedirect) {
        Map<String, List<Route>> byDomain = new TreeMap<>();
        Set<String> translated = new java.util.HashSet<>();
        for (Server s : servers) {
            for (MeshObject vs : bound.getOrDefault(MeshIndex.key(s.gateway()), List.of())) {
                for (JsonNode h : vs.spec().path("hosts")) {
                    for (String serverHost : s.hosts()) {
                        String domain = admitted(serverHost, s.gateway(), vs, h.asText());
                        if (domain != null && translated.add(domain + " " + MeshIndex.key(vs))) {
                            byDomain.computeIfAbsent(domain, d -> new ArrayList<>()).addAll(routes.of(vs, domain, s.port()));
                        }
                    }
                }
            }
        }
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(name);
        int port = servers.getFirst().port();
        byDomain.forEach((domain, r) -> {
            VirtualHost.Builder vh = VirtualHost.newBuilder().setName(domain + ":" + port).addDomains(domain).addAllRoutes(r);
            if (!domain.equals("*")) {
                vh.addDomains(domain + ":" + port);
            }
            if (httpsRedirect) {
                vh.setRequireTls(VirtualHost.TlsRequirementType.ALL);
            }
            rc.addVirtualHosts(vh);
        });
        return rc.build();
    }

    /** One TCP-proxied filter chain per SNI match of the bound VirtualServices' {@code tls} routes. */
    private static void passthrough(Server s, List<MeshObject> vss, Listener.Builder listener) {
        Set<String> names = new LinkedHashSet<>();
        for (MeshObject vs : vss) {
            int t = 0;
            for (JsonNode tls : vs.spec().path("tls")) {
                String field = "VirtualService " + MeshIndex.key(vs) + " spec.tls[" + t + "]";
                Set<String> sni = new LinkedHashSet<>();
                for (JsonNode m : tls.path("match")) {
                    for (JsonNode h : m.path("sniHosts")) {
                        for (String serverHost : s.hosts()) {
                            String admitted = admitted(serverHost, s.gateway(), vs, h.asText());
                            if (admitted != null && !admitted.equals("*")) {
                                sni.add(admitted);
                            }
                        }
                    }
                }
                sni.removeAll(names);
                if (sni.isEmpty()) {
                    t++;
                    continue;
                }
                names.addAll(sni);
                JsonNode route = tls.path("route");
                if (!route.isArray() || route.isEmpty()) {
                    throw new TranslationException(field + ".route: at least one destination is required");
                }
                TcpProxy.Builder proxy = TcpProxy.newBuilder().setStatPrefix("passthrough." + s.port() + "." + String.join(",", sni));
                if (route.size() == 1) {
                    proxy.setCluster(cluster(route.get(0).path("destination"), vs, field + ".route[0].destination"));
                } else {
                    TcpProxy.WeightedCluster.Builder wc = TcpProxy.WeightedCluster.newBuilder();
                    int i = 0;
                    for (JsonNode d : route) {
                        int weight = d.path("weight").asInt(0);
                        if (weight > 0) {
                            wc.addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                                    .setName(cluster(d.path("destination"), vs, field + ".route[" + i + "].destination")).setWeight(weight));
                        }
                        i++;
                    }
                    if (wc.getClustersCount() == 0) {
                        throw new TranslationException(field + ".route: the weights sum to 0; give one destination a positive weight");
                    }
                    proxy.setWeightedClusters(wc);
                }
                listener.addFilterChains(FilterChain.newBuilder().setName("passthrough." + s.port() + "." + String.join(",", sni))
                        .setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(sni))
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(proxy.build()))));
                t++;
            }
        }
    }

    private static String cluster(JsonNode destination, MeshObject vs, String field) {
        if (destination.path("host").asText("").isBlank()) {
            throw new TranslationException(field + ".host: Required value");
        }
        if (!destination.path("port").has("number")) {
            throw new TranslationException(field + ".port.number: Required value (a passthrough route names the service port)");
        }
        return ClusterNames.outbound(destination.path("port").path("number").asInt(), destination.path("subset").asText(""),
                Hosts.fqdn(destination.path("host").asText(), vs.namespace()));
    }

    /** A TLS-terminating server's certificate (and, for MUTUAL and ISTIO_MUTUAL, how clients are verified). */
    private static CommonTlsContext terminate(Server s, String mode) {
        JsonNode tls = s.spec().path("tls");
        String field = s.field() + ".tls";
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder().addAlpnProtocols("h2").addAlpnProtocols("http/1.1");
        params(tls, common, field);
        String credential = tls.path("credentialName").asText("");
        switch (mode) {
            case "ISTIO_MUTUAL" -> {
                common.setTlsCertificateProviderInstance(UpstreamTls.provider(UpstreamTls.PROVIDER));
                CertificateValidationContext.Builder roots = CertificateValidationContext.newBuilder()
                        .setCaCertificateProviderInstance(UpstreamTls.provider(UpstreamTls.ROOT_CERTIFICATE));
                UpstreamTls.subjectAltNames(tls, roots);
                common.setValidationContext(roots);
            }
            case "SIMPLE", "MUTUAL" -> {
                if (!credential.isEmpty()) {
                    common.addTlsCertificateSdsSecretConfigs(sds(credential));
                } else if (tls.hasNonNull("serverCertificate") && tls.hasNonNull("privateKey")) {
                    common.addTlsCertificates(TlsCertificate.newBuilder()
                            .setCertificateChain(DataSource.newBuilder().setFilename(tls.path("serverCertificate").asText()))
                            .setPrivateKey(DataSource.newBuilder().setFilename(tls.path("privateKey").asText())));
                } else {
                    throw new TranslationException(field + ": " + mode + " needs credentialName, or serverCertificate and privateKey");
                }
                if (mode.equals("MUTUAL")) {
                    if (tls.hasNonNull("caCertificates")) {
                        CertificateValidationContext.Builder v = CertificateValidationContext.newBuilder()
                                .setTrustedCa(DataSource.newBuilder().setFilename(tls.path("caCertificates").asText()));
                        UpstreamTls.subjectAltNames(tls, v);
                        common.setValidationContext(v);
                    } else if (!credential.isEmpty()) {
                        common.setValidationContextSdsSecretConfig(sds(credential + "-cacert"));
                    } else {
                        throw new TranslationException(field + ": MUTUAL needs caCertificates or credentialName to verify clients");
                    }
                }
            }
            case "" -> throw new TranslationException(field + ".mode: Required value for an HTTPS server"
                    + " (SIMPLE, MUTUAL, ISTIO_MUTUAL or PASSTHROUGH)");
            default -> throw new TranslationException(field + ".mode: Unsupported value: \"" + mode
                    + "\": supported values: \"SIMPLE\", \"MUTUAL\", \"ISTIO_MUTUAL\", \"PASSTHROUGH\"");
        }
        return common.build();
    }

    private static SdsSecretConfig sds(String credential) {
        String name = credential.contains("://") ? credential : "kubernetes://" + credential;
        return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ListenerTranslator.ads()).build();
    }

    private static void params(JsonNode tls, CommonTlsContext.Builder common, String field) {
        TlsParameters.Builder p = TlsParameters.newBuilder();
        if (tls.has("minProtocolVersion")) {
            p.setTlsMinimumProtocolVersion(version(tls.path("minProtocolVersion").asText(), field + ".minProtocolVersion"));
        }
        if (tls.has("maxProtocolVersion")) {
            p.setTlsMaximumProtocolVersion(version(tls.path("maxProtocolVersion").asText(), field + ".maxProtocolVersion"));
        }
        tls.path("cipherSuites").forEach(c -> p.addCipherSuites(c.asText()));
        if (!p.build().equals(TlsParameters.getDefaultInstance())) {
            common.setTlsParams(p);
        }
    }

    private static TlsParameters.TlsProtocol version(String v, String field) {
        return switch (v.toUpperCase(Locale.ROOT)) {
            case "TLS_AUTO" -> TlsParameters.TlsProtocol.TLS_AUTO;
            case "TLSV1_0" -> TlsParameters.TlsProtocol.TLSv1_0;
            case "TLSV1_1" -> TlsParameters.TlsProtocol.TLSv1_1;
            case "TLSV1_2" -> TlsParameters.TlsProtocol.TLSv1_2;
            case "TLSV1_3" -> TlsParameters.TlsProtocol.TLSv1_3;
            default -> throw new TranslationException(field + ": Unsupported value: \"" + v
                    + "\": supported values: \"TLS_AUTO\", \"TLSV1_0\", \"TLSV1_1\", \"TLSV1_2\", \"TLSV1_3\"");
        };
    }
}
