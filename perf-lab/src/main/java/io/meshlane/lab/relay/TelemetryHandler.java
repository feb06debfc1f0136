package io.meshlane.lab.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Counts one direction of a relayed connection into its {@link ConnectionStats}. The relay puts it
 * in a side's pipeline, ahead of the forwarding handler, only when telemetry is on, so forwarding
 * carries no telemetry branch. The downstream side also ends the connection's stats: the
 * client's side closing is the connection closing.
 */
final class TelemetryHandler extends ChannelInboundHandlerAdapter {
    private final ConnectionStats stats;
    private final RelayTelemetry closeInto;

    private TelemetryHandler(ConnectionStats stats, RelayTelemetry closeInto) {
        this.stats = stats;
        this.closeInto = closeInto;
    }

    /** For the accepted side: what it reads is the request; its end closes the stats. */
    static TelemetryHandler downstream(RelayTelemetry telemetry, ConnectionStats stats) {
        return new TelemetryHandler(stats, telemetry);
    }

    /** For the connected side: what it reads is the response. */
    static TelemetryHandler upstream(ConnectionStats stats) {
        return new TelemetryHandler(stats, null);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        int bytes = ((ByteBuf) msg).readableBytes();
        if (closeInto != null) {
            stats.request(bytes);
        } else {
            stats.response(bytes);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (closeInto != null) {
            closeInto.close(stats);
        }
        ctx.fireChannelInactive();
    }
}
