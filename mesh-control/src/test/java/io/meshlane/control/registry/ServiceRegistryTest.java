package io.meshlane.control.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceRegistryTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void sourcesReplaceOnlyTheirOwnContribution() {
        ServiceRegistry r = new ServiceRegistry();
        List<Set<String>> events = new ArrayList<>();
        r.addListener(events::add);
        String host = "reviews.default.svc.cluster.local";
        r.replaceServices("k8s/c1/service/default/reviews", List.of(new MeshService(host, "default",
                List.of(new ServicePort("http", 9080, "HTTP")), "k8s/c1")));
        r.replaceEndpoints("k8s/c1/slice/a", List.of(new MeshEndpoint(host, "10.0.0.1", Map.of(), Map.of("version", "v1"),
                Locality.parse("us-east/a"), "c1", "", true, 1)));
        r.reportPods("node-7", List.of(new MeshEndpoint(host, "10.0.0.2", Map.of(), Map.of("version", "v2"),
                Locality.parse("us-east/b"), "c1", "", true, 1)));
        assertEquals(2, r.endpoints(host).size());
        r.replaceEndpoints("k8s/c1/slice/a", List.of());
        assertEquals(List.of("10.0.0.2"), r.endpoints(host).stream().map(MeshEndpoint::address).toList());
        assertEquals(4, events.size());
        assertTrue(events.stream().allMatch(e -> e.equals(Set.of(host))));
    }

    @Test
    void localityPatterns() {
        Locality l = Locality.parse("us-east/zone1/sub2");
        assertTrue(l.matches("us-east/*"));
        assertTrue(l.matches("us-east/zone1/*"));
        assertTrue(l.matches("*"));
        assertFalse(l.matches("us-west/*"));
        assertEquals(new Locality("us-east", "zone1", "sub2"), Locality.parse("us-east.zone1.sub2"));
    }

    @Test
    void serviceEntryWithWorkloadEntriesMixesVmsIn() throws Exception {
        ServiceRegistry r = new ServiceRegistry();
        IstioRegistryFeed feed = new IstioRegistryFeed(r);
        JsonNode se = YAML.readTree("""
                metadata: {name: ratings-vm, namespace: shop}
                spec:
                  hosts: [ratings.shop.svc.cluster.local]
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: ratings}}
                  endpoints: [{address: 192.0.2.10, labels: {app: ratings, version: inline}}]
                """);
        JsonNode we = YAML.readTree("""
                metadata: {name: vm-1, namespace: shop}
                spec: {address: 192.0.2.20, ports: {http: 8080}, labels: {app: ratings, version: vm}, locality: eu/west/1}
                status: {conditions: [{type: Healthy, status: "False"}]}
                """);
        JsonNode otherNs = YAML.readTree("""
                metadata: {name: vm-2, namespace: elsewhere}
                spec: {address: 192.0.2.30, labels: {app: ratings}}
                """);
        feed.apply(IstioRegistryFeed.WORKLOAD_ENTRY, we);
        feed.apply(IstioRegistryFeed.WORKLOAD_ENTRY, otherNs);
        feed.apply(IstioRegistryFeed.SERVICE_ENTRY, se);
        String host = "ratings.shop.svc.cluster.local";
        assertEquals(9080, r.service(host).orElseThrow().ports().getFirst().number());
        List<MeshEndpoint> eps = r.endpoints(host);
        assertEquals(2, eps.size(), eps.toString());
        MeshEndpoint vm = eps.stream().filter(e -> e.address().equals("192.0.2.20")).findFirst().orElseThrow();
        assertEquals(8080, vm.portFor(r.service(host).orElseThrow().ports().getFirst()));
        assertEquals(new Locality("eu", "west", "1"), vm.locality());
        assertFalse(vm.healthy());
        feed.delete(IstioRegistryFeed.WORKLOAD_ENTRY, "shop", "vm-1");
        assertEquals(1, r.endpoints(host).size());
        feed.delete(IstioRegistryFeed.SERVICE_ENTRY, "shop", "ratings-vm");
        assertTrue(r.service(host).isEmpty());
        assertTrue(r.endpoints(host).isEmpty());
    }
}
