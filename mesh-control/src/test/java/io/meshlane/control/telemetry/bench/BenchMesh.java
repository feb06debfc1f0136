package io.meshlane.control.telemetry.bench;

import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic mesh for the benchmarks: {@code services} services in 20 namespaces, each with
 * {@code workloads} workloads and 3 operations, each calling {@code fanOut} others (callees drawn
 * with a skew, so some services are hot as in real meshes).
 */
final class BenchMesh {

    final int services;
    final Peer[][] workloads;
    final int[][] callees;
    final String[][] operations;

    BenchMesh(int services, int workloadsPerService, int fanOut, long seed) {
        this.services = services;
        SplittableRandom r = new SplittableRandom(seed);
        workloads = new Peer[services][workloadsPerService];
        operations = new String[services][3];
        callees = new int[services][fanOut];
        for (int s = 0; s < services; s++) {
            String ns = "ns-" + (s % 20);
            for (int w = 0; w < workloadsPerService; w++) {
                workloads[s][w] = new Peer("c1", ns, "svc-" + s + "-v" + (w + 1), "svc-" + s);
            }
            for (int o = 0; o < 3; o++) {
                operations[s][o] = (o == 0 ? "GET" : o == 1 ? "POST" : "PUT") + " /api/" + s + "/op" + o;
            }
            for (int c = 0; c < fanOut; c++) {
                int callee = (int) (services * Math.pow(r.nextDouble(), 2));
                callees[s][c] = callee == s ? (s + 1) % services : callee;
            }
        }
    }

    /** Latency in µs: log-normal around 2 ms with a heavy tail. */
    static long latency(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
        return (long) (2000 * Math.exp(0.9 * g));
    }

    /** One request from each workload of each service to each callee (a random workload of it). */
    List<RequestSample> round(SplittableRandom r, long epochMillis) {
        List<RequestSample> out = new ArrayList<>();
        for (int s = 0; s < services; s++) {
            for (Peer src : workloads[s]) {
                for (int callee : callees[s]) {
                    Peer dst = workloads[callee][r.nextInt(workloads[callee].length)];
                    boolean error = r.nextInt(100) == 0;
                    out.add(new RequestSample(src, dst, operations[callee][r.nextInt(3)], error ? 503 : 200, error,
                            latency(r), epochMillis + r.nextInt(10_000)));
                }
            }
        }
        return out;
    }
}
