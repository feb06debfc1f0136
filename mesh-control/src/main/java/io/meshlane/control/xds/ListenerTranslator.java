package io.meshlane.control.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;

/**
 * Listeners in the two shapes clients expect: an {@code api_listener} per name a proxyless gRPC client
 * asks for ({@code reviews:9080}, {@code reviews}, {@code reviews.default.svc.cluster.local:9080}),
 * and for Envoy sidecars Istio's {@code virtualOutbound} (15001, original destination, passthrough),
 * {@code virtualInbound} (15006) and one bind-less {@code 0.0.0.0_<port>} listener per service port
 * whose routes come from the RouteConfiguration named by the port.
 */
final class ListenerTranslator {
    static final String PASSTHROUGH = "PassthroughCluster";
    static final String INBOUND_PASSTHROUGH = "InboundPassthroughCluster";
    static final String BLACKHOLE = "BlackHoleCluster";

    static ConfigSource ads() {
        return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).setResourceApiVersion(ApiVersion.V3).build();
    }

    static HttpConnectionManager rdsManager(String statPrefix, String routeConfigName) {
        return HttpConnectionManager.newBuilder().setStatPrefix(statPrefix)
                .setRds(Rds.newBuilder().setConfigSource(ads()).setRouteConfigName(routeConfigName))
                .addHttpFilters(HttpFilter.newBuilder().setName(RouteTranslator.FAULT_FILTER)
                        .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
    }

    static Listener apiListener(String name, String routeConfigName) {
        return Listener.newBuilder().setName(name)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(rdsManager(name, routeConfigName))))
                .build();
    }

    static Address any(int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(port)).build();
    }

    static Filter tcpProxy(String cluster) {
        return Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
                .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster).build())).build();
    }

    static Listener virtualOutbound() {
        return Listener.newBuilder().setName("virtualOutbound").setAddress(any(15001))
                .setUseOriginalDst(BoolValue.of(true)).setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder().setName(PASSTHROUGH).addFilters(tcpProxy(PASSTHROUGH)))
                .build();
    }

    /** Istio's inbound cluster for one of the proxy's own ports: the application on loopback at {@code targetPort}. */
    static io.envoyproxy.envoy.config.cluster.v3.Cluster inboundCluster(int port, int targetPort) {
        String name = "inbound|" + port + "||";
        return io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder().setName(name)
                .setType(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
                .setLoadAssignment(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.newBuilder().setClusterName(name)
                        .addEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.newBuilder()
                                        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                                                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                                                        .setAddress("127.0.0.1").setPortValue(targetPort)))))))
                .build();
    }

    private static HttpConnectionManager inboundHttp(String statPrefix, String cluster, List<HttpFilter> before) {
        return HttpConnectionManager.newBuilder().setStatPrefix(statPrefix)
                .setRouteConfig(RouteConfiguration.newBuilder().setName(cluster).addVirtualHosts(VirtualHost.newBuilder()
                        .setName(cluster).addDomains("*").addRoutes(Route.newBuilder().setName("default")
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(cluster)))))
                .addAllHttpFilters(before)
                .addHttpFilters(router())
                .build();
    }

    private static HttpFilter router() {
        return HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())).build();
    }

    /**
     * The server Listener a proxyless gRPC server asks for ({@code grpc/server?xds.resource.listening_address=0.0.0.0:50051},
     * gRFC A36): one filter chain whose connection manager holds the RBAC filters and an inline route that only
     * lets calls through ({@code non_forwarding_action}), with the mesh mTLS transport socket when its
     * PeerAuthentication is STRICT (grpc-java cannot tell TLS from plaintext on one port, so PERMISSIVE serves
     * plaintext, as Istio does for proxyless servers).
     */
    static Listener serverListener(String name, String host, int port, List<HttpFilter> rbac, boolean mtls) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("inbound_" + port)
                .setRouteConfig(RouteConfiguration.newBuilder().setName("inbound|" + port).addVirtualHosts(VirtualHost.newBuilder()
                        .setName("inbound|" + port).addDomains("*").addRoutes(Route.newBuilder().setName("default")
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setNonForwardingAction(io.envoyproxy.envoy.config.route.v3.NonForwardingAction.getDefaultInstance()))))
                .addAllHttpFilters(rbac).addHttpFilters(router()).build();
        FilterChain.Builder chain = FilterChain.newBuilder().setName(mtls ? "inbound-mtls" : "inbound-plaintext")
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm)));
        if (mtls) {
            chain.setTransportSocket(InboundTls.meshMtls());
        }
        return Listener.newBuilder().setName(name).setTrafficDirection(TrafficDirection.INBOUND)
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port)))
                .addFilterChains(chain).build();
    }

    /** What the workload's own policies ask of one inbound port: the mTLS mode and the RBAC rules for HTTP and TCP. */
    record InboundPolicy(java.util.function.IntFunction<InboundTls.Mode> modes, AuthorizationRules http, AuthorizationRules tcp) {
    }

    /**
     * Istio's virtualInbound: original-destination listener filter, one filter chain per port of the
     * proxy's own workload (matched by destination port, to {@code inbound|<port>||}; HTTP ports through an
     * HTTP connection manager with the RBAC filters, others through tcp_proxy after network RBAC), then the
     * passthrough chains. A STRICT port takes only mTLS, a PERMISSIVE one both (the TLS inspector tells them
     * apart; the mTLS chain is {@code inbound|<port>||-mtls}), a DISABLE one only plaintext.
     */
    static Listener virtualInbound(java.util.Map<Integer, Boolean> ownPortsHttp, InboundPolicy policy) {
        Listener.Builder l = Listener.newBuilder().setName("virtualInbound").setAddress(any(15006))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.original_dst")
                        .setTypedConfig(Any.pack(OriginalDst.getDefaultInstance())));
        boolean inspect = false;
        for (var e : ownPortsHttp.entrySet()) {
            int port = e.getKey();
            InboundTls.Mode mode = policy.modes().apply(port);
            // the mTLS chains match transport protocol "tls", which only the TLS inspector sets (STRICT too)
            inspect |= mode != InboundTls.Mode.DISABLE;
            if (mode != InboundTls.Mode.STRICT) {
                l.addFilterChains(inboundChain(port, e.getValue(), policy, mode == InboundTls.Mode.PERMISSIVE ? "raw_buffer" : null, ""));
            }
            if (mode != InboundTls.Mode.DISABLE) {
                l.addFilterChains(inboundChain(port, e.getValue(), policy, "tls", mode == InboundTls.Mode.STRICT ? "" : "-mtls")
                        .setTransportSocket(InboundTls.meshMtls()));
            }
        }
        if (inspect) {
            l.addListenerFilters(ListenerFilter.newBuilder().setName(GatewayTranslator.TLS_INSPECTOR)
                    .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDefaultInstance())));
        }
        return l.addFilterChains(FilterChain.newBuilder().setName("virtualInbound-catchall-http")
                        .setFilterChainMatch(io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.newBuilder()
                                .addApplicationProtocols("http/1.1").addApplicationProtocols("h2c"))
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                                .setTypedConfig(Any.pack(inboundHttp("inbound_0.0.0.0_15006", INBOUND_PASSTHROUGH, List.of())))))
                .addFilterChains(FilterChain.newBuilder().setName("virtualInbound").addFilters(tcpProxy(INBOUND_PASSTHROUGH)))
                .build();
    }

    private static FilterChain.Builder inboundChain(int port, boolean http, InboundPolicy policy, String transport, String suffix) {
        String cluster = "inbound|" + port + "||";
        var match = io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.newBuilder()
                .setDestinationPort(com.google.protobuf.UInt32Value.of(port));
        if (transport != null) {
            match.setTransportProtocol(transport);
        }
        FilterChain.Builder chain = FilterChain.newBuilder().setName(cluster + suffix).setFilterChainMatch(match);
        if (http) {
            chain.addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                    .setTypedConfig(Any.pack(inboundHttp("inbound_0.0.0.0_" + port, cluster,
                            policy.http() == null ? List.of() : policy.http().httpFilters()))));
        } else {
            if (policy.tcp() != null) {
                chain.addAllFilters(policy.tcp().networkFilters("inbound_0.0.0.0_" + port));
            }
            chain.addFilters(tcpProxy(cluster));
        }
        return chain;
    }

    /** Istio's per-port outbound listener: not bound, reached through virtualOutbound's original destination. */
    static Listener outboundPort(int port) {
        return Listener.newBuilder().setName("0.0.0.0_" + port).setAddress(any(port))
                .setBindToPort(BoolValue.of(false)).setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(rdsManager("outbound_0.0.0.0_" + port, String.valueOf(port))))))
                .build();
    }

    static List<String> sidecarStaticClusters() {
        return List.of(PASSTHROUGH, INBOUND_PASSTHROUGH, BLACKHOLE);
    }
}
