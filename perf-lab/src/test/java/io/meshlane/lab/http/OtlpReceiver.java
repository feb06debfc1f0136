package io.meshlane.lab.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/** A minimal OTLP/HTTP protobuf receiver on the host's loopback that keeps everything it gets. */
final class OtlpReceiver implements AutoCloseable {
    final List<ResourceSpans> spans = new CopyOnWriteArrayList<>();
    final List<ResourceMetrics> metrics = new CopyOnWriteArrayList<>();
    final List<ResourceLogs> logs = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private volatile boolean blackhole;

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/v1/traces", ex -> handle(ex, body -> spans.addAll(
                ExportTraceServiceRequest.parseFrom(body).getResourceSpansList())));
        server.createContext("/v1/metrics", ex -> handle(ex, body -> metrics.addAll(
                ExportMetricsServiceRequest.parseFrom(body).getResourceMetricsList())));
        server.createContext("/v1/logs", ex -> handle(ex, body -> logs.addAll(
                ExportLogsServiceRequest.parseFrom(body).getResourceLogsList())));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    interface Decoder {
        void accept(byte[] body) throws IOException;
    }

    /** From now on accept requests but never answer them: every export runs into its timeout. */
    void blackhole() {
        blackhole = true;
    }

    private void handle(HttpExchange ex, Decoder decoder) throws IOException {
        if (blackhole) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        try (ex) {
            InputStream in = ex.getRequestBody();
            if ("gzip".equals(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
                in = new GZIPInputStream(in);
            }
            try {
                decoder.accept(in.readAllBytes());
            } catch (IOException e) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, -1);
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static String attr(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue)
                .map(OtlpReceiver::text).findFirst().orElse(null);
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> String.valueOf(v.getIntValue());
            case BOOL_VALUE -> String.valueOf(v.getBoolValue());
            case DOUBLE_VALUE -> String.valueOf(v.getDoubleValue());
            default -> v.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
