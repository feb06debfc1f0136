package io.meshlane.lab.http;

import io.meshlane.lab.telemetry.ExportConfig;
import io.meshlane.lab.telemetry.LabOtel;
import io.meshlane.lab.telemetry.WorkloadIdentity;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;

import java.net.URI;
import java.time.Duration;

/** The SDK of one HTTP process from its options: exporting when {@code --otlp} is given, else propagating only. */
final class ProcessTelemetry {
    private ProcessTelemetry() {
    }

    static LabOtel from(Flags flags, String defaultService) {
        String pod = flags.get("pod", "local");
        WorkloadIdentity id = new WorkloadIdentity(flags.get("namespace", "default"), flags.get("workload", pod),
                flags.get("service", defaultService), pod, flags.get("cluster", "lab"));
        String endpoint = flags.get("otlp", null);
        if (endpoint == null) {
            // still real trace ids and W3C propagation, just nothing exported
            return LabOtel.wrap(OpenTelemetrySdk.builder()
                    .setTracerProvider(SdkTracerProvider.builder().setResource(id.resource()).build())
                    .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build());
        }
        return LabOtel.start(new ExportConfig(URI.create(endpoint),
                Duration.ofMillis(flags.integer("export-interval", 1000)), ExportConfig.DEFAULT_TIMEOUT), id.resource());
    }
}
