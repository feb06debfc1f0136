package io.meshlane.control.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.envoyproxy.envoy.config.route.v3.Route;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** exportTo: a VirtualService exported to {@code .} reaches only its own namespace's clients, one exported to {@code *} reaches all. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExportToScopingTest {
    static final String ROUTE = "greeter.default.svc.cluster.local:7070";

    @Test
    void dotExportedVirtualServiceReachesOnlyItsNamespace() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            m.namespace("shop", java.util.Map.of());
            m.service("greeter.default.svc.cluster.local", "default", 7070);
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: private-canary}
                    spec:
                      hosts: [greeter]
                      exportTo: ["."]
                      http:
                      - name: only-default
                        match: [{headers: {x-canary: {exact: "1"}}}]
                        route: [{destination: {host: greeter}}]
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: public}
                    spec:
                      hosts: [greeter]
                      exportTo: ["*"]
                      http:
                      - name: everyone
                        match: [{uri: {prefix: /api}}]
                        route: [{destination: {host: greeter}}]
                    """, "default");
            assertEquals(List.of("only-default", "everyone", "default"), routesSeenFrom(m, "default"));
            assertEquals(List.of("everyone", "default"), routesSeenFrom(m, "shop"));
            assertEquals(List.of("only-default", "everyone", "default"), routesSeenFrom(m, "default"), "the shared view is untouched");
        }
    }

    private static List<String> routesSeenFrom(MeshFixture m, String namespace) throws Exception {
        return AdsClient.routes(m.xds.port(), AdsClient.node("sidecar~127.0.0.1~c." + namespace + "~" + namespace + ".svc.cluster.local",
                true, ""), ROUTE).stream().map(Route::getName).toList();
    }
}
