package io.meshlane.control.dashboard;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Access-log records of the Bookinfo services, sent as OTLP/HTTP protobuf to {@code /v1/logs} the way
 * an Envoy or an OpenTelemetry SDK exports them: one resource per service, severity as a number (the
 * receiver names the level), the trace id of the request when the record belongs to one.
 */
final class BookinfoLogs {

    private final Map<String, List<LogRecord>> byService = new LinkedHashMap<>();
    private int recorded;

    /** One record {@code agoMillis} ago; {@code traceId} is hex or "" for none. */
    void record(String service, long agoMillis, SeverityNumber severity, String body, String traceId) {
        long nanos = (System.currentTimeMillis() - agoMillis) * 1_000_000L;
        LogRecord.Builder r = LogRecord.newBuilder().setTimeUnixNano(nanos).setObservedTimeUnixNano(nanos)
                .setSeverityNumber(severity).setBody(AnyValue.newBuilder().setStringValue(body))
                .addAttributes(attribute("log.source", "access"));
        if (!traceId.isEmpty()) {
            r.setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(traceId)));
        }
        byService.computeIfAbsent(service, s -> new ArrayList<>()).add(r.build());
        recorded++;
    }

    /** How many records were recorded in total, sent or not. */
    int recorded() {
        return recorded;
    }

    /** POSTs everything recorded since the last send; fails with the receiver's answer. */
    void send(String endpoint, String token) throws Exception {
        List<ResourceLogs> resources = new ArrayList<>();
        byService.forEach((service, records) -> resources.add(ResourceLogs.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attribute("service.name", service))
                        .addAttributes(attribute("k8s.namespace.name", BookinfoTraces.NAMESPACE))
                        .addAttributes(attribute("k8s.deployment.name", service + "-v1")))
                .addScopeLogs(ScopeLogs.newBuilder().addAllLogRecords(records)).build()));
        byte[] body = ExportLogsServiceRequest.newBuilder().addAllResourceLogs(resources).build().toByteArray();
        OtlpHttpPost.send(endpoint, "/v1/logs", token, body);
        byService.clear();
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
