package io.meshlane.lab.relay;

import io.netty.channel.Channel;

import java.net.InetSocketAddress;

/** Every connection goes to one address: for microbenchmarks and plain TCP proxying. */
public record FixedDestination(InetSocketAddress target) implements DestinationResolver {
    @Override
    public InetSocketAddress resolve(Channel accepted) {
        return target;
    }
}
