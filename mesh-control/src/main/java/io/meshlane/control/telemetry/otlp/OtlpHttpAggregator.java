package io.meshlane.control.telemetry.otlp;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/** Aggregates request bodies up to the limit; a larger one gets a 413 that says the limit, then the connection closes. */
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
        HttpUtil.setKeepAlive(response, false);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
