package io.meshlane.lab.relay;

import io.netty.channel.Channel;

import java.net.InetSocketAddress;

/** Where an accepted connection was originally headed. */
public interface DestinationResolver {
    InetSocketAddress resolve(Channel accepted);
}
