package io.meshlane.lab.spec;

import java.time.Duration;
import java.util.List;

/** The application a pod runs (besides its sidecar). */
public sealed interface AppSpec {

    /** A TCP echo server listening on {@code port} on all of the pod's addresses. */
    record Echo(int port) implements AppSpec { }

    /**
     * An open-loop load client sending checksummed request/response messages to
     * {@code target} ("namespace/name" of a lab pod) on {@code port}.
     */
    record Load(String target, int port, int rate, int payload, int connections) implements AppSpec { }

    /** Any command, run inside the pod's network namespace and cgroup. */
    record Command(List<String> argv) implements AppSpec {
        public Command {
            argv = List.copyOf(argv);
        }
    }

    /**
     * An instrumented HTTP/1.1 service: answers GET on {@code port}; per request it calls every
     * hop of {@code calls} in order and answers 500 if one failed.
     *
     * @param service     canonical service name (service.name, *_canonical_service)
     * @param workload    deployment name, or null for the pod name without its ordinal
     * @param delayMillis added to every request
     * @param errorRate   share of requests answered 500 on purpose (0..1)
     * @param slowEvery   every n-th request (n > 0) is delayed by a further {@code slowMillis}
     */
    record Http(String service, String workload, int port, List<Hop> calls, int delayMillis, double errorRate,
                int slowEvery, int slowMillis) implements AppSpec {
        public Http {
            calls = List.copyOf(calls);
        }
    }

    /**
     * A next hop of an {@link Http} app: either a URL, or a service of the lab (in
     * {@code namespace}, default the caller's) on {@code port} with {@code path}.
     */
    record Hop(String url, String service, String namespace, int port, String path) { }

    /**
     * An instrumented open-loop HTTP client: GETs {@code path} of the pod or service {@code target}
     * on {@code port} at {@code rate} per second for {@code duration}, measures latency from the
     * intended send time into an HdrHistogram and writes a summary file.
     */
    record HttpLoad(String target, int port, String path, int rate, Duration duration, String service)
            implements AppSpec { }

    /** Nothing but the sidecar (if any). */
    record None() implements AppSpec { }
}
