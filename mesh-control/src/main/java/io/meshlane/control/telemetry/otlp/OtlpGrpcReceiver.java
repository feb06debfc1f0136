package io.meshlane.control.telemetry.otlp;

import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.meshlane.control.identity.TelemetryCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshlane.control.grpc.RawBytes;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * OTLP/gRPC: the Trace, Metrics and Logs services. Requests arrive as raw bytes and are parsed here, so
 * that an undecodable request is answered INVALID_ARGUMENT with the parser's reason (grpc-java's own
 * marshaller would answer INTERNAL). Oversized messages get grpc-java's RESOURCE_EXHAUSTED. With credentials it
 * serves TLS and every call needs a telemetry token or a CA-issued client certificate (UNAUTHENTICATED otherwise);
 * a payload claiming another cluster than its credential's gets PERMISSION_DENIED.
 */
final class OtlpGrpcReceiver implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OtlpGrpcReceiver.class.getName());
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** The writer's cluster, set by {@link Authenticate}; absent (null) on the insecure loopback receiver. */
    private static final Context.Key<String> CLUSTER = Context.key("meshlane-otlp-cluster");
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = RawBytes.MARSHALLER;

    private final Server server;
    private final OtlpIngest ingest;

    private OtlpGrpcReceiver(Server server, OtlpIngest ingest) {
        this.server = server;
        this.ingest = ingest;
    }

    static OtlpGrpcReceiver start(OtlpReceiverOptions options, OtlpIngest ingest) {
        ServerServiceDefinition traces = service(TraceServiceGrpc.SERVICE_NAME, TraceServiceGrpc.getExportMethod(),
                ExportTraceServiceResponse.getDefaultInstance(), ingest, ExportTraceServiceRequest::parseFrom, ingest::traceResponse);
        ServerServiceDefinition metrics = service(MetricsServiceGrpc.SERVICE_NAME, MetricsServiceGrpc.getExportMethod(),
                ExportMetricsServiceResponse.getDefaultInstance(), ingest, ExportMetricsServiceRequest::parseFrom, ingest::metricsResponse);
        ServerServiceDefinition logs = service(LogsServiceGrpc.SERVICE_NAME, LogsServiceGrpc.getExportMethod(),
                ExportLogsServiceResponse.getDefaultInstance(), ingest, ExportLogsServiceRequest::parseFrom, ingest::logsResponse);
        ServerCredentials transport = options.secure()
                ? TlsServerCredentials.newBuilder().keyManager(options.credentials().keyManagers().getKeyManagers())
                        .trustManager(options.credentials().clientTrust()).clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build()
                : InsecureServerCredentials.create();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(options.host(), options.grpcPort()), transport)
                .maxInboundMessageSize(options.maxMessageBytes())
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        for (ServerServiceDefinition s : new ServerServiceDefinition[] {traces, metrics, logs}) {
            builder.addService(options.secure() ? ServerInterceptors.intercept(s, new Authenticate(options.credentials())) : s);
        }
        try {
            Server server = builder.build().start();
            LOG.info("OTLP/gRPC receiving on " + options.host() + ":" + server.getPort()
                    + (options.secure() ? " (TLS; telemetry token or client certificate)" : " (plaintext, unauthenticated: loopback only)"));
            return new OtlpGrpcReceiver(server, ingest);
        } catch (IOException e) {
            throw new IllegalStateException("cannot receive OTLP/gRPC on " + options.host() + ":" + options.grpcPort() + ": "
                    + e.getMessage() + " (choose another port, or -1 to turn OTLP/gRPC off)", e);
        }
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }

    private interface Parser<Q> {
        Q parse(byte[] bytes, ExtensionRegistryLite registry) throws InvalidProtocolBufferException;
    }

    private static <Q, R extends Message> ServerServiceDefinition service(String serviceName, MethodDescriptor<Q, R> method,
                                                                         R responseDefault, OtlpIngest ingest, Parser<Q> parser,
                                                                         BiFunction<Q, String, R> handle) {
        MethodDescriptor<byte[], R> raw = method.toBuilder(BYTES, ProtoUtils.marshaller(responseDefault)).build();
        ServerCallHandler<byte[], R> handler = ServerCalls.asyncUnaryCall((byte[] bytes, StreamObserver<R> out) -> {
            Q request;
            try {
                request = parser.parse(bytes, ExtensionRegistryLite.getEmptyRegistry());
            } catch (InvalidProtocolBufferException e) {
                ingest.malformed();
                out.onError(Status.INVALID_ARGUMENT.withDescription("cannot decode the " + serviceName + " request ("
                        + bytes.length + " bytes) as OTLP protobuf: " + e.getMessage()).asRuntimeException());
                return;
            }
            try {
                out.onNext(handle.apply(request, CLUSTER.get()));
                out.onCompleted();
            } catch (ClusterClaims.ForeignCluster e) {
                ingest.refused();
                out.onError(Status.PERMISSION_DENIED.withDescription(e.getMessage()).asRuntimeException());
            } catch (SinkOverloadedException e) {
                ingest.refused();
                out.onError(Status.UNAVAILABLE.withDescription("telemetry ingest is overloaded, retry later: " + e.getMessage())
                        .asRuntimeException());
            } catch (RuntimeException e) {
                ingest.failed();
                LOG.log(Level.WARNING, "storing an OTLP " + serviceName + " batch failed", e);
                out.onError(Status.INTERNAL.withDescription("storing the batch failed: " + e).asRuntimeException());
            }
        });
        return ServerServiceDefinition.builder(serviceName).addMethod(raw, handler).build();
    }

    /** Admits calls whose token or client certificate names a cluster, and puts that cluster into the call's context. */
    private record Authenticate(TelemetryCredentials credentials) implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            TelemetryCredentials.Verdict verdict = credentials.authenticate(headers.get(AUTHORIZATION),
                    TelemetryCredentials.peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
            if (verdict instanceof TelemetryCredentials.Refused refused) {
                call.close(Status.UNAUTHENTICATED.withDescription(refused.reason()), new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
            String cluster = ((TelemetryCredentials.Writer) verdict).cluster();
            return Contexts.interceptCall(Context.current().withValue(CLUSTER, cluster), call, headers, next);
        }
    }
}
