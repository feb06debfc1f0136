package io.meshlane.control.telemetry.otlp;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * Told of every OTLP request a receiver accepted (after its batch reached the sink), unchanged, so it
 * can be passed on to a collector. Called on the receiver's threads: implementations must not block.
 */
public interface OtlpForwarder {
    OtlpForwarder NONE = new OtlpForwarder() {
        @Override
        public void traces(ExportTraceServiceRequest request) {
        }

        @Override
        public void metrics(ExportMetricsServiceRequest request) {
        }

        @Override
        public void logs(ExportLogsServiceRequest request) {
        }
    };

    void traces(ExportTraceServiceRequest request);

    void metrics(ExportMetricsServiceRequest request);

    void logs(ExportLogsServiceRequest request);
}
