package io.meshlane.control.telemetry.bench;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The dashboard's queries as the browser makes them: HTTPS GETs of /telemetry/v1/... on a real
 * control plane whose store holds a 1,000-service mesh's last 5 minutes (the same synthetic mesh
 * as {@link TelemetryQueryBenchmark}). Each query is timed from request to the last byte.
 * <pre>
 *   MAVEN_OPTS=-Xmx1g mvn -q -o -pl mesh-control test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.meshlane.control.telemetry.bench.DashboardQueryBenchmark
 * </pre>
 * Properties: bench.services (1000), bench.iterations (200).
 */
public final class DashboardQueryBenchmark {

    private DashboardQueryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int services = Integer.getInteger("bench.services", 1000);
        int iterations = Integer.getInteger("bench.iterations", 200);
        Path dir = Files.createTempDirectory("meshlane-dashboard-bench");
        try (ControlPlane plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster("c1").withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF)
                        .withBudget(384L << 20, 100_000)))) {
            BenchMesh mesh = new BenchMesh(services, 2, 2, 1);
            SplittableRandom r = new SplittableRandom(2);
            long now = System.currentTimeMillis();
            for (int slot = 0; slot < 29; slot++) {
                long slotStart = now - (29 - slot) * 10_000L;
                for (int round = 0; round < 2; round++) {
                    List<RequestSample> batch = mesh.round(r, slotStart);
                    for (int from = 0; from < batch.size(); from += 1000) {
                        plane.telemetry().store().accept(new TelemetryBatch(batch.subList(from, Math.min(batch.size(), from + 1000)),
                                List.of(), List.of(), List.of(), List.of()));
                    }
                }
            }
            System.out.printf("store: %s%n", plane.telemetry().store().status());
            ApiClient api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
            for (String path : List.of("/telemetry/v1/topology?window=5m", "/telemetry/v1/services?window=5m",
                    "/telemetry/v1/top?by=latency&of=endpoints&n=10&window=5m", "/telemetry/v1/top?by=errors&of=services&n=10&window=5m",
                    "/telemetry/v1/series?cluster=c1&namespace=ns-7&service=svc-7&window=15m",
                    "/telemetry/v1/topology?window=5m&by=workload")) {
                TelemetryQueryBenchmark.run("HTTPS GET " + path.substring("/telemetry/v1/".length()), iterations, () -> {
                    HttpResponse<String> response = api.get(path);
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
                    }
                    return response.body().length();
                });
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
