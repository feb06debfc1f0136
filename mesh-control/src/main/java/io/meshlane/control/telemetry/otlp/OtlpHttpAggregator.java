package io.meshlane.control.telemetry.otlp;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates request bodies up to the limit; a larger one gets a 413 that says the limit. The
 * connection stays open when the client asked for keep-alive and the body is still arriving: the
 * aggregator then discards the rest of it. Closing at once (as before) left the client's unsent
 * body unread, so the kernel answered with a reset that could destroy the 413 before the client
 * read it ("header parser received no bytes"). Netty's own aggregator decides the same way.
 */
final class OtlpHttpAggregator extends HttpObjectAggregator {
    private final int max;

    OtlpHttpAggregator(int max) {
        super(max);
        this.max = max;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        String contentType = oversized.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        FullHttpResponse response = OtlpHttpResponses.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, contentType,
                "the request body is larger than the limit of " + max + " bytes (after gzip decoding); send smaller batches");
        boolean close = oversized instanceof FullHttpMessage
                || (!HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized));
        HttpUtil.setKeepAlive(response, !close);
        ctx.writeAndFlush(response).addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
    }
}
