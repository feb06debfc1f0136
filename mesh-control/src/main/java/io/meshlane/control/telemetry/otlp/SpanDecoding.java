package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** OTLP spans to {@link SpanRecord}s. Pure; a span with an invalid id is refused alone. */
final class SpanDecoding {
    /** Far above the SDKs' default of 128: a span past it is hostile or broken, and would cost the trace store its budget. */
    static final int MAX_ATTRIBUTES = 1_000;

    private SpanDecoding() {
    }

    static Decoded<SpanRecord> decode(ExportTraceServiceRequest request) {
        List<SpanRecord> out = new ArrayList<>(OtlpCounts.spans(request));
        int rejected = 0;
        String first = "";
        for (ResourceSpans rs : request.getResourceSpansList()) {
            Peer service = ResourcePeer.of(OtlpAttributes.toMap(rs.getResource().getAttributesList()));
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span span : ss.getSpansList()) {
                    String problem = problem(span);
                    if (problem != null) {
                        if (rejected++ == 0) {
                            first = "span '" + span.getName() + "' (trace " + OtlpIds.hex(span.getTraceId()) + ", span "
                                    + OtlpIds.hex(span.getSpanId()) + "): " + problem;
                        }
                        continue;
                    }
                    out.add(record(span, service));
                }
            }
        }
        return new Decoded<>(out, rejected, first);
    }

    private static String problem(Span span) {
        if (span.getAttributesCount() > MAX_ATTRIBUTES) {
            return "carries " + span.getAttributesCount() + " attributes, more than the " + MAX_ATTRIBUTES
                    + " kept per span; send fewer (OpenTelemetry SDKs keep 128 by default)";
        }
        String p = OtlpIds.problem("trace id", span.getTraceId(), 16);
        if (p == null) {
            p = OtlpIds.problem("span id", span.getSpanId(), 8);
        }
        if (p == null && !span.getParentSpanId().isEmpty()) {
            p = OtlpIds.problem("parent span id", span.getParentSpanId(), 8);
        }
        if (p == null && span.getEndTimeUnixNano() != 0 && Long.compareUnsigned(span.getEndTimeUnixNano(), span.getStartTimeUnixNano()) < 0) {
            p = "ends before it starts";
        }
        return p;
    }

    private static SpanRecord record(Span span, Peer service) {
        Map<String, String> attrs = OtlpAttributes.toMap(span.getAttributesList());
        SpanKind kind = kind(span.getKind());
        String peer = attrs.getOrDefault("peer.service", "");
        if (peer.isEmpty() && (kind == SpanKind.CLIENT || kind == SpanKind.PRODUCER)) {
            peer = attrs.getOrDefault("server.address", "");
        }
        return new SpanRecord(OtlpIds.hex(span.getTraceId()), OtlpIds.hex(span.getSpanId()), OtlpIds.hex(span.getParentSpanId()),
                span.getName(), kind, service, peer, span.getStartTimeUnixNano(), span.getEndTimeUnixNano(),
                span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR, httpStatus(attrs),
                span.getStatus().getMessage(), attrs);
    }

    private static int httpStatus(Map<String, String> attrs) {
        String s = attrs.get("http.response.status_code");
        if (s == null) {
            s = attrs.get("http.status_code");
        }
        if (s == null) {
            return 0;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static SpanKind kind(Span.SpanKind k) {
        return switch (k) {
            case SPAN_KIND_INTERNAL -> SpanKind.INTERNAL;
            case SPAN_KIND_SERVER -> SpanKind.SERVER;
            case SPAN_KIND_CLIENT -> SpanKind.CLIENT;
            case SPAN_KIND_PRODUCER -> SpanKind.PRODUCER;
            case SPAN_KIND_CONSUMER -> SpanKind.CONSUMER;
            default -> SpanKind.UNSPECIFIED;
        };
    }
}
