package io.meshlane.lab.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;

import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry SDK as every lab process sets it up: W3C trace context, spans and logs through
 * batch processors with bounded queues (a full queue drops and counts, it never blocks the
 * request), metrics through a periodic reader, all exported as OTLP/HTTP protobuf with a timeout.
 * The batch processors and exporters report their own processed/dropped counts through the same
 * meter provider, so a receiver sees when a workload loses telemetry.
 */
public final class LabOtel implements AutoCloseable {
    static final int MAX_QUEUE = 4096;
    static final int MAX_BATCH = 512;

    private final OpenTelemetrySdk sdk;

    private LabOtel(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
    }

    public static LabOtel start(ExportConfig export, Resource resource) {
        SdkMeterProvider meters = meters(export, resource);
        OtlpHttpSpanExporter spans = OtlpHttpSpanExporter.builder().setEndpoint(export.signalUrl("traces"))
                .setTimeout(export.timeout()).setMeterProvider(() -> meters).build();
        SdkTracerProvider tracers = SdkTracerProvider.builder()
                .setResource(resource)
                .addSpanProcessor(BatchSpanProcessor.builder(spans)
                        .setMaxQueueSize(MAX_QUEUE).setMaxExportBatchSize(MAX_BATCH)
                        .setScheduleDelay(export.interval()).setExporterTimeout(export.timeout())
                        .setMeterProvider(meters).build())
                .build();
        OtlpHttpLogRecordExporter logs = OtlpHttpLogRecordExporter.builder().setEndpoint(export.signalUrl("logs"))
                .setTimeout(export.timeout()).setMeterProvider(() -> meters).build();
        SdkLoggerProvider loggers = SdkLoggerProvider.builder()
                .setResource(resource)
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(logs)
                        .setMaxQueueSize(MAX_QUEUE).setMaxExportBatchSize(MAX_BATCH)
                        .setScheduleDelay(export.interval()).setExporterTimeout(export.timeout())
                        .setMeterProvider(meters).build())
                .build();
        return new LabOtel(OpenTelemetrySdk.builder()
                .setTracerProvider(tracers).setMeterProvider(meters).setLoggerProvider(loggers)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build());
    }

    /**
     * Metrics only, for the sidecar relay: no span or log processors, whose worker threads would
     * wake every interval beside the forwarding event loop for nothing.
     */
    public static LabOtel metricsOnly(ExportConfig export, Resource resource) {
        return new LabOtel(OpenTelemetrySdk.builder().setMeterProvider(meters(export, resource))
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build());
    }

    private static SdkMeterProvider meters(ExportConfig export, Resource resource) {
        return SdkMeterProvider.builder()
                .setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(OtlpHttpMetricExporter.builder()
                                .setEndpoint(export.signalUrl("metrics")).setTimeout(export.timeout()).build())
                        .setInterval(export.interval()).build())
                .build();
    }

    /** An SDK configured elsewhere (e.g. without exporters), closed like the others. */
    public static LabOtel wrap(OpenTelemetrySdk sdk) {
        return new LabOtel(sdk);
    }

    public OpenTelemetry api() {
        return sdk;
    }

    /** Flushes what is queued (bounded by the export timeout) and stops the exporters. */
    @Override
    public void close() {
        sdk.shutdown().join(5, TimeUnit.SECONDS);
    }
}
