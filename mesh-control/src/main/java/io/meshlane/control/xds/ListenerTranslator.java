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

    private static ConfigSource ads() {
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

    private static Address any(int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(port)).build();
    }

    private static Filter tcpProxy(String cluster) {
        return Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
                .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster).build())).build();
    }

    static Listener virtualOutbound() {
        return Listener.newBuilder().setName("virtualOutbound").setAddress(any(15001))
                .setUseOriginalDst(BoolValue.of(true)).setTrafficDirection(TrafficDirection.OUTBOUND)
                .addFilterChains(FilterChain.newBuilder().setName(PASSTHROUGH).addFilters(tcpProxy(PASSTHROUGH)))
                .build();
    }

    /** Istio's inbound cluster for one of the proxy's own ports: the application on loopback. */
    static io.envoyproxy.envoy.config.cluster.v3.Cluster inboundCluster(int port) {
        return inboundCluster(port, port);
    }

    /** The inbound cluster of {@code port}, delivering to the workload's {@code targetPort} on loopback. */
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

    private static HttpConnectionManager inboundHttp(String statPrefix, String cluster) {
        return HttpConnectionManager.newBuilder().setStatPrefix(statPrefix)
                .setRouteConfig(RouteConfiguration.newBuilder().setName(cluster).addVirtualHosts(VirtualHost.newBuilder()
                        .setName(cluster).addDomains("*").addRoutes(Route.newBuilder().setName("default")
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(cluster)))))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
    }

    /**
     * Istio's virtualInbound: original-destination listener filter, one filter chain per port of the
     * proxy's own workload (matched by destination port, to {@code inbound|<port>||}; HTTP ports through an
     * HTTP connection manager, others through tcp_proxy), then the passthrough chains.
     */
    static Listener virtualInbound(java.util.Map<Integer, Boolean> ownPortsHttp) {
        Listener.Builder l = Listener.newBuilder().setName("virtualInbound").setAddress(any(15006))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.original_dst")
                        .setTypedConfig(Any.pack(OriginalDst.getDefaultInstance())));
        ownPortsHttp.forEach((port, http) -> {
            String cluster = "inbound|" + port + "||";
            FilterChain.Builder chain = FilterChain.newBuilder().setName(cluster)
                    .setFilterChainMatch(io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.newBuilder()
                            .setDestinationPort(com.google.protobuf.UInt32Value.of(port)));
            chain.addFilters(http
                    ? Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                            .setTypedConfig(Any.pack(inboundHttp("inbound_0.0.0.0_" + port, cluster))).build()
                    : tcpProxy(cluster));
            l.addFilterChains(chain);
        });
        return l.addFilterChains(FilterChain.newBuilder().setName("virtualInbound-catchall-http")
                        .setFilterChainMatch(io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.newBuilder()
                                .addApplicationProtocols("http/1.1").addApplicationProtocols("h2c"))
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                                .setTypedConfig(Any.pack(inboundHttp("inbound_0.0.0.0_15006", INBOUND_PASSTHROUGH)))))
                .addFilterChains(FilterChain.newBuilder().setName("virtualInbound").addFilters(tcpProxy(INBOUND_PASSTHROUGH)))
                .build();
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
