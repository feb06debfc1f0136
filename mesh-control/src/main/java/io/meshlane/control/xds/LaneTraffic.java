package io.meshlane.control.xds;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A TestLane's traffic from the hosted telemetry's per-workload request counts: the requests its builds served
 * per covered service over a window, their rate, and their share of all requests those services served. The
 * telemetry names workloads, not their labels, so a lane's workload of a covered service is found by the name
 * a lane deployment gets ({@code <service>-<lane>}, or any workload of the service ending in {@code -<lane>}).
 */
public final class LaneTraffic {
    private LaneTraffic() {
    }

    /** Requests one workload of a service served in the window, as the telemetry counted them. */
    public record Served(String namespace, String service, String workload, long requests) {
    }

    /** The telemetry's per-workload counts over one window of {@code seconds}. */
    public record Window(List<Served> served, long seconds) {
    }

    /** What a lane's status says of its traffic. */
    record Measured(double requestsPerSecond, long requests, Map<String, Long> requestsByService, double trafficShare,
                    String window) {
    }

    /** The traffic of lane {@code lane} of {@code namespace} over the covered {@code hosts} (fully qualified). */
    static Measured measure(String namespace, String lane, List<String> hosts, Window window) {
        Map<String, Long> byHost = new TreeMap<>();
        long all = 0;
        for (String host : hosts) {
            String service = host.split("\\.", 2)[0];
            long laneRequests = 0;
            for (Served s : window.served()) {
                if (!s.namespace().equals(namespace) || !s.service().equals(service)) {
                    continue;
                }
                all += s.requests();
                if (s.workload().endsWith("-" + lane)) {
                    laneRequests += s.requests();
                }
            }
            byHost.put(host, laneRequests);
        }
        long total = byHost.values().stream().mapToLong(Long::longValue).sum();
        long seconds = Math.max(1, window.seconds());
        return new Measured(round(total / (double) seconds), total, byHost, all == 0 ? 0 : round(100.0 * total / all),
                seconds + "s");
    }

    /** Two decimals: a status that changes only in the noise of a division is not rewritten. */
    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
