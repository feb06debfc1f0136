package io.meshlane.control.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A TestLane's status carries its traffic from the telemetry's per-workload counts: the lane's build of each
 * covered service (its workload named for the lane) against that service's baseline; figures that did not
 * change are not written again, so the status never churns the store (or, through it, xDS).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LaneTrafficStatusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    @Test
    void aLaneStatusSaysWhatItsBuildsServedAndIsWrittenOnlyWhenThatChanges() throws Exception {
        try (MeshFixture m = new MeshFixture(); StatusReporter status = new StatusReporter(m.store).attach(m.xds)) {
            m.service(REVIEWS, "default", 9080);
            m.applyYaml("""
                    apiVersion: meshlane.io/v1alpha1
                    kind: TestLane
                    metadata: {name: team-a}
                    spec: {services: [reviews]}
                    """, "default");
            String key = StoreConfigSource.key(MeshObject.TEST_LANE, "default", "team-a");
            await(m, key, s -> s.path("services").toString().equals("[\"" + REVIEWS + "\"]"), "status.services");

            LaneTraffic.Window window = new LaneTraffic.Window(List.of(
                    new LaneTraffic.Served("default", "reviews", "reviews-team-a", 30),
                    new LaneTraffic.Served("default", "reviews", "reviews-v1", 90),
                    // another namespace's reviews and another lane's build are not this lane's
                    new LaneTraffic.Served("other", "reviews", "reviews-team-a", 500),
                    new LaneTraffic.Served("default", "ratings", "ratings-team-a", 7)), 60);
            status.measureLanes(window);
            JsonNode written = await(m, key, s -> s.path("requests").asLong() == 30, "status.requests");
            assertEquals(0.5, written.path("requestsPerSecond").asDouble(), written.toString());
            assertEquals(25.0, written.path("trafficShare").asDouble(), "30 of reviews' 120 requests: " + written);
            assertEquals("{\"" + REVIEWS + "\":30}", written.path("requestsByService").toString());
            assertEquals("60s", written.path("window").asText());

            long revision = m.store.get(key).orElseThrow().modRevision();
            status.measureLanes(window);
            status.measureLanes(window);
            // a change queued behind the repeats proves they were handled (the writer is one thread, in order)
            status.measureLanes(new LaneTraffic.Window(List.of(new LaneTraffic.Served("default", "reviews", "reviews-team-a", 60)), 60));
            await(m, key, s -> s.path("requests").asLong() == 60, "the next change");
            assertEquals(revision + 1, m.store.get(key).orElseThrow().modRevision(),
                    "unchanged figures were not written again; the changed ones once");
        }
    }

    private static JsonNode await(MeshFixture m, String key, java.util.function.Predicate<JsonNode> wanted, String what) throws Exception {
        JsonNode seen = null;
        for (long deadline = System.nanoTime() + 10_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
            seen = JSON.readTree(m.store.get(key).orElseThrow().value()).path("status");
            if (wanted.test(seen)) {
                return seen;
            }
        }
        throw new AssertionError(what + " not written within 10 s: " + seen);
    }
}
