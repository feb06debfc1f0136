package io.meshlane.control.xds;

import static io.meshlane.control.xds.MeshFixture.endpoint;
import static io.meshlane.control.xds.MeshFixture.eventually;
import static io.meshlane.control.xds.MeshFixture.spread;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.meshlane.control.registry.Locality;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TestLanes through real grpc-java proxyless xDS clients: the header (or the W3C baggage member) in a call's
 * metadata picks the lane's workloads of a service the lane covers; every other call, coloured for another lane
 * or not at all, reaches only the baseline; a VirtualService of the user's stays in force underneath; deleting
 * the lane takes its routes away in one push.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LaneRoutingTest {
    static final String REVIEWS = "reviews.default.svc.cluster.local";
    static final Locality EAST = new Locality("us-east", "a", "");

    @Test
    void colouredCallsReachTheirLaneAndNothingElseDoes() throws Exception {
        try (MeshFixture m = new MeshFixture(); StatusReporter status = new StatusReporter(m.store).attach(m.xds)) {
            m.service(REVIEWS, "default", 9080);
            int v1 = m.backend("reviews-v1");
            int v2 = m.backend("reviews-v2");
            int teamA = m.backend("reviews-team-a");
            int teamC = m.backend("reviews-team-c");
            m.registry.replaceEndpoints("k8s/test/slice/default/reviews", List.of(
                    endpoint(REVIEWS, v1, Map.of("app", "reviews", "version", "v1"), EAST, true, 1),
                    endpoint(REVIEWS, v2, Map.of("app", "reviews", "version", "v2"), EAST, true, 1),
                    // the lane's build is labelled version v1 too: the user's v1 subset must not pick it
                    endpoint(REVIEWS, teamA, Map.of("app", "reviews", "version", "v1", Lanes.LABEL, "team-a"), EAST, true, 1),
                    // a lane workload with no TestLane (yet, or any more) gets no production traffic either
                    endpoint(REVIEWS, teamC, Map.of("app", "reviews", "version", "v1", Lanes.LABEL, "team-c"), EAST, true, 1)));
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: reviews}
                    spec:
                      host: reviews
                      subsets:
                      - {name: v1, labels: {version: v1}}
                      - {name: v2, labels: {version: v2}}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: reviews}
                    spec:
                      hosts: [reviews]
                      http:
                      - match: [{headers: {end-user: {exact: jason}}}]
                        route: [{destination: {host: reviews, subset: v2}}]
                      - route: [{destination: {host: reviews, subset: v1}}]
                    ---
                    apiVersion: meshlane.io/v1alpha1
                    kind: TestLane
                    metadata: {name: team-a}
                    spec: {}
                    ---
                    apiVersion: meshlane.io/v1alpha1
                    kind: TestLane
                    metadata: {name: team-b}
                    spec: {header: x-lane, services: [ratings]}
                    """, "default");
            ManagedChannel ch = m.client("reviews:9080", "default", EAST);
            eventually(ch, s -> s.equals("reviews-v1"), 30, "the user's v1 route");
            assertLaneServices(m, "team-a", List.of(REVIEWS), "a lane covers the services of its labelled workloads");
            assertLaneServices(m, "team-b", List.of("ratings.default.svc.cluster.local"), "a lane covers the services it names");

            assertEquals(Map.of("reviews-team-a", 300), spread(ch, 300, Map.of(Lanes.DEFAULT_HEADER, "team-a")));
            assertEquals(Map.of("reviews-team-a", 100), spread(ch, 100,
                    Map.of("baggage", "userId=alice, x-meshlane-lane = team-a;ttl=60 , other=1")), "baggage carries the lane too");
            assertEquals(Map.of("reviews-v1", 300), spread(ch, 300, Map.of()), "uncoloured calls never reach a lane");
            assertEquals(Map.of("reviews-v1", 100), spread(ch, 100, Map.of("x-lane", "team-b")),
                    "team-b has no reviews: its calls take the baseline");
            assertEquals(Map.of("reviews-v1", 100), spread(ch, 100, Map.of(Lanes.DEFAULT_HEADER, "team-c")),
                    "a lane label without a TestLane routes nowhere special");
            assertEquals(Map.of("reviews-v2", 100), spread(ch, 100, Map.of("end-user", "jason")), "the user's routes stay as they are");
            assertEquals(Map.of("reviews-team-a", 100), spread(ch, 100, Map.of("end-user", "jason", Lanes.DEFAULT_HEADER, "team-a")),
                    "the lane route comes ahead of the user's");

            m.delete(MeshObject.TEST_LANE, "default", "team-a");
            // the push removes the lane's route and cluster; a call racing it may fail once, none may reach the lane
            long deadline = System.nanoTime() + 10_000_000_000L;
            String answer = null;
            while (!"reviews-v1".equals(answer) && System.nanoTime() < deadline) {
                try {
                    answer = MeshFixture.call(ch, Map.of(Lanes.DEFAULT_HEADER, "team-a"));
                    org.junit.jupiter.api.Assertions.assertTrue(Set.of("reviews-v1", "reviews-team-a").contains(answer),
                            "while the lane goes away its colour reaches the lane or the baseline, got " + answer);
                } catch (io.grpc.StatusRuntimeException e) {
                    Thread.sleep(20);
                }
            }
            assertEquals(Map.of("reviews-v1", 300), spread(ch, 300, Map.of(Lanes.DEFAULT_HEADER, "team-a")),
                    "after one push without the lane, its colour reaches the baseline only");

            m.applyYaml("""
                    apiVersion: meshlane.io/v1alpha1
                    kind: TestLane
                    metadata: {name: team-c}
                    spec: {}
                    """, "default");
            assertLaneServices(m, "team-c", List.of(REVIEWS), "a lane created after its workload covers that workload's service");
            m.registry.replaceEndpoints("k8s/test/slice/default/reviews", List.of(
                    endpoint(REVIEWS, v1, Map.of("app", "reviews", "version", "v1"), EAST, true, 1)));
            assertLaneServices(m, "team-c", List.of(), "when the lane's last workload goes, its status says it covers nothing");
        }
    }

    /** Waits up to 10 s for the lane's stored {@code status.services} to be {@code expected}. */
    private static void assertLaneServices(MeshFixture m, String lane, List<String> expected, String why) throws Exception {
        String key = StoreConfigSource.key(MeshObject.TEST_LANE, "default", lane);
        List<String> seen = null;
        for (long deadline = System.nanoTime() + 10_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
            var stored = m.store.get(key);
            if (stored.isPresent()) {
                var services = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stored.get().value()).path("status").path("services");
                seen = services.isArray() ? java.util.stream.StreamSupport.stream(services.spliterator(), false)
                        .map(com.fasterxml.jackson.databind.JsonNode::asText).toList() : null;
                if (expected.equals(seen)) {
                    return;
                }
            }
        }
        assertEquals(expected, seen, why + " (TestLane " + lane + " status.services)");
    }
}
