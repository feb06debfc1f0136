package io.meshlane.control.agents;

import io.meshlane.api.agent.v1.Counters;
import io.meshlane.api.agent.v1.NamespaceStats;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.api.agent.v1.PodStats;

/**
 * What one node's stats report may hold. A Kubernetes node runs at most a few hundred pods (110 by
 * default), so a report far beyond that comes from a broken or hostile agent: it is refused whole,
 * before anything is kept or stored, rather than filling the store and every reader's memory.
 */
final class ReportLimits {

    static final int MAX_PODS = 5_000;
    static final int MAX_NAMESPACES = 5_000;
    static final int MAX_COUNTERS = 256;
    static final int MAX_IPS_PER_POD = 16;
    static final int MAX_TEXT = 4_096;

    private ReportLimits() {
    }

    /** Throws {@link IllegalArgumentException} naming the first limit {@code stats} exceeds. */
    static void check(NodeStats stats) {
        at(stats.getPodsCount(), MAX_PODS, "pods");
        at(stats.getNamespacesCount(), MAX_NAMESPACES, "namespaces");
        counters(stats.getTotals(), "its totals");
        text(stats.getReason(), "reason");
        text(stats.getMode(), "mode");
        text(stats.getPolicyVersion(), "policy version");
        for (NamespaceStats ns : stats.getNamespacesList()) {
            text(ns.getNamespace(), "namespace name");
            counters(ns.getCounters(), "namespace " + ns.getNamespace());
        }
        for (PodStats pod : stats.getPodsList()) {
            text(pod.getNamespace() + pod.getName(), "pod name");
            at(pod.getIpsCount(), MAX_IPS_PER_POD, "addresses of pod " + pod.getNamespace() + "/" + pod.getName());
            counters(pod.getCounters(), "pod " + pod.getNamespace() + "/" + pod.getName());
        }
    }

    private static void counters(Counters counters, String of) {
        at(counters.getValuesCount(), MAX_COUNTERS, "counters in " + of);
    }

    private static void text(String value, String what) {
        if (value.length() > MAX_TEXT) {
            throw new IllegalArgumentException("the report's " + what + " is " + value.length() + " characters long; at most "
                    + MAX_TEXT + " are accepted: nothing of this report was kept");
        }
    }

    private static void at(int count, int max, String what) {
        if (count > max) {
            throw new IllegalArgumentException("the report lists " + count + " " + what + "; at most " + max
                    + " are accepted (a node runs a few hundred pods): nothing of this report was kept");
        }
    }
}
