package io.meshlane.control.telemetry.store;

import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.SpanRecord;
import java.util.Map;

/**
 * Conservative heap estimates of stored signals: every string is counted as if it were its own
 * UTF-16 copy (shared and Latin-1 strings cost less), so the budget is an upper bound.
 */
final class Footprints {

    private Footprints() {
    }

    static long string(String s) {
        return 48 + 2L * s.length();
    }

    static long peer(Peer p) {
        return 32 + string(p.cluster()) + string(p.namespace()) + string(p.workload()) + string(p.service());
    }

    static long attributes(Map<String, String> attributes) {
        long bytes = 64;
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            bytes += 48 + string(e.getKey()) + string(e.getValue());
        }
        return bytes;
    }

    /** The span, its strings and its slot in the trace's list. */
    static long span(SpanRecord s) {
        return 96 + 8 + string(s.traceId()) + string(s.spanId()) + string(s.parentSpanId()) + string(s.name())
                + peer(s.service()) + string(s.peerService()) + string(s.statusMessage()) + attributes(s.attributes());
    }

    /** The record, its strings and the queue slot holding it. */
    static long log(LogRecord r) {
        return 80 + 32 + peer(r.source()) + string(r.severity()) + string(r.body()) + string(r.traceId())
                + string(r.spanId()) + attributes(r.attributes());
    }
}
