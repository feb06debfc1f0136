package io.meshlane.lab.spec;

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

    /** Nothing but the sidecar (if any). */
    record None() implements AppSpec { }
}
