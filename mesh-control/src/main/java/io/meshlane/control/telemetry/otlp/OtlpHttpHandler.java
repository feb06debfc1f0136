package io.meshlane.control.telemetry.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.meshlane.control.identity.TelemetryCredentials;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Routes one aggregated OTLP/HTTP request: checks path, method, token and content type, then decodes and ingests off the event loop. */
final class OtlpHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = Logger.getLogger(OtlpHttpHandler.class.getName());

    private final OtlpReceiverOptions options;
    private final OtlpIngest ingest;
    private final ExecutorService workers;

    OtlpHttpHandler(OtlpReceiverOptions options, OtlpIngest ingest, ExecutorService workers) {
        this.options = options;
        this.ingest = ingest;
        this.workers = workers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            ingest.malformed();
            send(ctx, OtlpHttpResponses.error(HttpResponseStatus.BAD_REQUEST, contentType,
                    "cannot decode the HTTP request: " + request.decoderResult().cause()), false);
            return;
        }
        String path = request.uri();
        int q = path.indexOf('?');
        path = q < 0 ? path : path.substring(0, q);
        if (!path.equals("/v1/traces") && !path.equals("/v1/metrics") && !path.equals("/v1/logs")) {
            send(ctx, OtlpHttpResponses.error(HttpResponseStatus.NOT_FOUND, contentType,
                    "no OTLP endpoint at " + path + "; use /v1/traces, /v1/metrics or /v1/logs"), keepAlive);
            return;
        }
        if (!request.method().equals(HttpMethod.POST)) {
            FullHttpResponse r = OtlpHttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, contentType,
                    request.method() + " is not allowed on " + path + "; OTLP/HTTP uses POST");
            r.headers().set(HttpHeaderNames.ALLOW, "POST");
            send(ctx, r, keepAlive);
            return;
        }
        String cluster = null;
        if (options.secure()) {
            TelemetryCredentials.Verdict verdict = options.credentials().authenticate(
                    request.headers().get(HttpHeaderNames.AUTHORIZATION), peerCertificate(ctx));
            if (verdict instanceof TelemetryCredentials.Refused refused) {
                FullHttpResponse r = OtlpHttpResponses.error(HttpResponseStatus.UNAUTHORIZED, contentType, refused.reason());
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                send(ctx, r, keepAlive);
                return;
            }
            cluster = ((TelemetryCredentials.Writer) verdict).cluster();
        }
        String media = OtlpHttpResponses.mediaType(contentType);
        if (!media.equals(OtlpHttpResponses.PROTOBUF) && !media.equals(OtlpHttpResponses.JSON)) {
            send(ctx, OtlpHttpResponses.error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, contentType,
                    "unsupported Content-Type '" + contentType + "'; send application/x-protobuf or application/json"), keepAlive);
            return;
        }
        byte[] body = ByteBufUtil.getBytes(request.content());
        String endpoint = path;
        String writer = cluster;
        try {
            workers.execute(() -> send(ctx, handle(endpoint, media, body, writer), keepAlive));
        } catch (RejectedExecutionException e) {
            ingest.refused();
            FullHttpResponse r = OtlpHttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, contentType,
                    "telemetry ingest is overloaded, retry later");
            r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            send(ctx, r, keepAlive);
        }
    }

    private FullHttpResponse handle(String path, String contentType, byte[] body, String cluster) {
        boolean json = OtlpHttpResponses.isJson(contentType);
        try {
            Message response = switch (path) {
                case "/v1/traces" -> ingest.traceResponse(parse(ExportTraceServiceRequest.newBuilder(), body, json), cluster);
                case "/v1/metrics" -> ingest.metricsResponse(parse(ExportMetricsServiceRequest.newBuilder(), body, json), cluster);
                default -> ingest.logsResponse(parse(ExportLogsServiceRequest.newBuilder(), body, json), cluster);
            };
            return OtlpHttpResponses.ok(contentType, response);
        } catch (ClusterClaims.ForeignCluster e) {
            ingest.refused();
            return OtlpHttpResponses.error(HttpResponseStatus.FORBIDDEN, contentType, e.getMessage());
        } catch (MalformedBody e) {
            ingest.malformed();
            return OtlpHttpResponses.error(HttpResponseStatus.BAD_REQUEST, contentType, e.getMessage());
        } catch (SinkOverloadedException e) {
            ingest.refused();
            FullHttpResponse r = OtlpHttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, contentType,
                    "telemetry ingest is overloaded, retry later: " + e.getMessage());
            r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            return r;
        } catch (RuntimeException e) {
            ingest.failed();
            LOG.log(Level.WARNING, "storing an OTLP/HTTP batch from " + path + " failed", e);
            return OtlpHttpResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, contentType, "storing the batch failed: " + e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <M extends Message> M parse(Message.Builder builder, byte[] body, boolean json) {
        if (json) {
            try {
                OtlpJson.merge(body, builder);
            } catch (IllegalArgumentException e) {
                throw new MalformedBody("cannot decode the OTLP/JSON body (" + body.length + " bytes): " + e.getMessage());
            }
        } else {
            try {
                builder.mergeFrom(body);
            } catch (InvalidProtocolBufferException e) {
                throw new MalformedBody("cannot decode the OTLP protobuf body (" + body.length + " bytes): " + e.getMessage()
                        + " (is the Content-Type right?)");
            }
        }
        return (M) builder.build();
    }

    private static Optional<X509Certificate> peerCertificate(ChannelHandlerContext ctx) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null) {
            return Optional.empty();
        }
        return TelemetryCredentials.peer(tls.engine().getSession());
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        var f = ctx.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            // e.g. a body that claims gzip but is not
            ingest.malformed();
            send(ctx, OtlpHttpResponses.error(HttpResponseStatus.BAD_REQUEST, "",
                    "cannot decode the request body: " + cause.getMessage()), false);
            return;
        }
        LOG.log(Level.FINE, "OTLP/HTTP connection failed", cause);
        ctx.close();
    }

    private static final class MalformedBody extends RuntimeException {
        MalformedBody(String message) {
            super(message);
        }
    }
}
