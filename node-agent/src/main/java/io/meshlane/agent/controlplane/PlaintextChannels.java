package io.meshlane.agent.controlplane;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Optional;

/** Plaintext gRPC to a control plane on this machine's loopback, for when it is asked for: nothing proves who talks. */
public final class PlaintextChannels implements AgentChannels {

    private final String target;

    public PlaintextChannels(String target) {
        String host = target.substring(0, Math.max(0, target.lastIndexOf(':'))).replace("[", "").replace("]", "");
        try {
            if (!InetAddress.getByName(host).isLoopbackAddress()) {
                throw new IllegalArgumentException("plaintext to the control plane only on loopback, not " + target
                        + ": drop --control-plane-plaintext and give --control-plane-ca and --join-token-file");
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve the control plane host in " + target + ": " + e.getMessage(), e);
        }
        this.target = target;
    }

    @Override
    public ManagedChannel open() {
        return ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    }

    @Override
    public Optional<Instant> renewAt() {
        return Optional.empty();
    }

    @Override
    public ManagedChannel renew() {
        return open();
    }

    @Override
    public void close() {
    }
}
