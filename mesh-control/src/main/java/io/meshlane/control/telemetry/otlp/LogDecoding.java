package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.Peer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import java.util.ArrayList;
import java.util.List;

/** OTLP log records to {@link LogRecord}s. Pure; a record with a malformed trace or span id is refused alone. */
final class LogDecoding {
    private LogDecoding() {
    }

    static Decoded<LogRecord> decode(ExportLogsServiceRequest request) {
        List<LogRecord> out = new ArrayList<>(OtlpCounts.logs(request));
        int rejected = 0;
        String first = "";
        for (ResourceLogs rl : request.getResourceLogsList()) {
            Peer source = ResourcePeer.of(OtlpAttributes.toMap(rl.getResource().getAttributesList()));
            for (ScopeLogs sl : rl.getScopeLogsList()) {
                for (io.opentelemetry.proto.logs.v1.LogRecord r : sl.getLogRecordsList()) {
                    // ids are optional on logs: absent is fine, present must be well-formed
                    String problem = r.getTraceId().isEmpty() ? null : OtlpIds.problem("trace id", r.getTraceId(), 16);
                    if (problem == null && !r.getSpanId().isEmpty()) {
                        problem = OtlpIds.problem("span id", r.getSpanId(), 8);
                    }
                    if (problem != null) {
                        if (rejected++ == 0) {
                            first = "log record at " + r.getTimeUnixNano() + " ns: " + problem;
                        }
                        continue;
                    }
                    long t = r.getTimeUnixNano() != 0 ? r.getTimeUnixNano() : r.getObservedTimeUnixNano();
                    out.add(new LogRecord(t, source, severity(r), OtlpAttributes.text(r.getBody()), OtlpIds.hex(r.getTraceId()),
                            OtlpIds.hex(r.getSpanId()), OtlpAttributes.toMap(r.getAttributesList())));
                }
            }
        }
        return new Decoded<>(out, rejected, first);
    }

    /** The sender's text if any, else the number's level (TRACE..FATAL), else "". */
    static String severity(io.opentelemetry.proto.logs.v1.LogRecord r) {
        if (!r.getSeverityText().isEmpty()) {
            return r.getSeverityText();
        }
        int n = r.getSeverityNumberValue();
        if (n <= SeverityNumber.SEVERITY_NUMBER_UNSPECIFIED_VALUE || n > SeverityNumber.SEVERITY_NUMBER_FATAL4_VALUE) {
            return "";
        }
        String[] levels = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
        return levels[(n - 1) / 4];
    }
}
