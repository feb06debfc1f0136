package io.meshlane.lab.spec;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The http / http-load apps and the telemetry block of the lab file. */
class HttpLabFileTest {

    @Test
    void bookinfoExampleDeclaresTheChainAndTelemetry() {
        LabSpec spec = PodFile.read(Path.of("labs/bookinfo.yaml"));
        TelemetrySpec telemetry = spec.telemetry().orElseThrow();
        assertEquals("http://127.0.0.1:4318", telemetry.endpoint().toString());
        assertEquals("lab", telemetry.cluster());
        assertEquals(Duration.ofSeconds(1), telemetry.exportInterval());
        PodSpec reviews = spec.pod("bookinfo/reviews-0").orElseThrow();
        AppSpec.Http http = assertInstanceOf(AppSpec.Http.class, reviews.app());
        assertEquals("reviews", reviews.service());
        assertEquals("reviews", reviews.workload(), "pod name without its ordinal");
        assertEquals(20, http.slowEvery());
        assertEquals(150, http.slowMillis());
        assertEquals(List.of(new AppSpec.Hop(null, "ratings", null, 9080, "/ratings")), http.calls());
        AppSpec.HttpLoad load = assertInstanceOf(AppSpec.HttpLoad.class, spec.pod("bookinfo/loadgen-0").orElseThrow().app());
        assertEquals("productpage", load.target());
        assertEquals(Duration.ofSeconds(5), load.duration());
        assertEquals("loadgen", spec.pod("bookinfo/loadgen-0").orElseThrow().service());
        assertEquals(List.of("bookinfo/productpage-0"),
                Services.resolve(spec.pods(), "bookinfo", "productpage").stream().map(PodSpec::key).toList());
    }

    @Test
    void reportsEveryProblemOfHttpAppsAtOnce() {
        LabSpecException e = assertThrows(LabSpecException.class, () -> PodFile.parse("""
                telemetry: {endpoint: "ftp://collector", protocol: grpc}
                pods:
                  - name: front
                    mode: direct
                    app: {type: http, service: front, port: 80, errorRate: 1.5,
                          calls: [{service: nowhere, port: 9080}, {url: "not a url"}, {}]}
                  - name: load
                    mode: direct
                    app: {type: http-load, target: ghost, port: 80, duration: soon}
                  - name: noname
                    mode: direct
                    app: {type: http, port: 80}
                """, "bad.yaml"));
        String m = e.getMessage();
        for (String expected : List.of("call to service 'nowhere'", "url 'not a url'", "give either 'url' or 'service'",
                "errorRate must be in 0..1", "http-load target 'ghost'", "'soon' is not a duration",
                "needs 'service'", "telemetry: telemetry endpoint 'ftp://collector'")) {
            assertTrue(m.contains(expected), "missing '" + expected + "' in:\n" + m);
        }
    }

    @Test
    void grpcIsRejectedWithTheReason() {
        LabSpecException e = assertThrows(LabSpecException.class, () -> PodFile.parse("""
                telemetry: {endpoint: "http://127.0.0.1:4317", protocol: grpc}
                pods: [{name: a, mode: direct}]
                """, "grpc.yaml"));
        assertTrue(e.getMessage().contains("exports http/protobuf only"), e.getMessage());
    }

    @Test
    void podsCanOptOutOfSidecarTelemetry() {
        LabSpec spec = PodFile.parse("""
                telemetry: {endpoint: "http://127.0.0.1:4318"}
                pods: [{name: a, mode: ebpf, telemetry: false}, {name: b, mode: ebpf}]
                """, "t.yaml");
        assertFalse(spec.pod("default/a").orElseThrow().telemetry());
        assertTrue(spec.pod("default/b").orElseThrow().telemetry());
    }
}
