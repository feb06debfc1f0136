package io.meshlane.agent.controlplane;

import io.grpc.ManagedChannel;
import java.time.Instant;
import java.util.Optional;

/**
 * How the agent's link reaches mesh-control: {@link NodeCertificateChannels} (TLS with the node's
 * certificate, the default) or {@link PlaintextChannels} (loopback only, when asked).
 */
public interface AgentChannels extends AutoCloseable {

    /** A channel ready for calls, obtaining credentials first if there are none yet. */
    ManagedChannel open();

    /** When {@link #renew()} is due; empty when the credentials never expire. */
    Optional<Instant> renewAt();

    /** New credentials and a channel that presents them; the caller moves to it and shuts the old one down. */
    ManagedChannel renew();

    @Override
    void close();
}
