package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.istio.IstioMetrics;

/**
 * The control plane's OTLP ingest: OTLP/gRPC (4317) and OTLP/HTTP (4318) receivers sharing one decoding
 * path, which hands every batch to the sink and every accepted request to the forwarder.
 *
 * <pre>{@code
 * OtlpReceivers otlp = OtlpReceivers.start(OtlpReceiverOptions.defaults(), store::accept, forwarder);
 * ...
 * otlp.stats();
 * otlp.close();
 * }</pre>
 */
public final class OtlpReceivers implements AutoCloseable {
    private final OtlpIngest ingest;
    private final boolean secure;
    private final OtlpGrpcReceiver grpc;
    private final OtlpHttpReceiver http;

    private OtlpReceivers(OtlpIngest ingest, OtlpGrpcReceiver grpc, OtlpHttpReceiver http, boolean secure) {
        this.ingest = ingest;
        this.secure = secure;
        this.grpc = grpc;
        this.http = http;
    }

    /** Starts the receivers whose port is not -1; {@code forwarder} may be null. */
    public static OtlpReceivers start(OtlpReceiverOptions options, BatchSink sink, OtlpForwarder forwarder) {
        OtlpIngest ingest = new OtlpIngest(sink, forwarder, new IstioMetrics(options.maxSeries()),
                new AppCounterDecoding(options.maxSeries()));
        OtlpGrpcReceiver grpc = options.grpcPort() < 0 ? null : OtlpGrpcReceiver.start(options, ingest);
        OtlpHttpReceiver http;
        try {
            http = options.httpPort() < 0 ? null : OtlpHttpReceiver.start(options, ingest);
        } catch (RuntimeException e) {
            if (grpc != null) {
                grpc.close();
            }
            throw e;
        }
        return new OtlpReceivers(ingest, grpc, http, options.secure());
    }

    /** Whether the receivers serve TLS and demand credentials. */
    public boolean secure() {
        return secure;
    }

    /** The bound OTLP/gRPC port, or -1 when off. */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.port();
    }

    /** The bound OTLP/HTTP port, or -1 when off. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public IngestStats stats() {
        return ingest.stats();
    }

    @Override
    public void close() {
        if (grpc != null) {
            grpc.close();
        }
        if (http != null) {
            http.close();
        }
    }
}
