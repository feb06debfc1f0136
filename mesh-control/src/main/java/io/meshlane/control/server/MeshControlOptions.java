package io.meshlane.control.server;

import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.identity.IdentityOptions;
import io.meshlane.control.xds.XdsOptions;
import java.nio.file.Path;

/**
 * How to run the whole control plane: the Kubernetes API with its store and telemetry
 * ({@code plane}), the node agents' endpoint (with how node certificates are issued) and the
 * xDS server, all on {@code plane}'s host. Ports 0 pick free ones.
 */
public record MeshControlOptions(ControlPlaneOptions plane, int agentsPort, int xdsPort, Path xdsTlsCert, Path xdsTlsKey,
                                 String revision, IdentityOptions identity) {

    public static MeshControlOptions of(ControlPlaneOptions plane) {
        return new MeshControlOptions(plane, AgentServer.DEFAULT_PORT, XdsOptions.DEFAULT_PORT, null, null, "default",
                IdentityOptions.defaults());
    }

    public MeshControlOptions withPorts(int agents, int xds) {
        return new MeshControlOptions(plane, agents, xds, xdsTlsCert, xdsTlsKey, revision, identity);
    }

    public MeshControlOptions withXds(Path tlsCert, Path tlsKey, String servedRevision) {
        return new MeshControlOptions(plane, agentsPort, xdsPort, tlsCert, tlsKey, servedRevision, identity);
    }

    public MeshControlOptions withIdentity(IdentityOptions nodeIdentity) {
        return new MeshControlOptions(plane, agentsPort, xdsPort, xdsTlsCert, xdsTlsKey, revision, nodeIdentity);
    }

    XdsOptions xds() {
        return new XdsOptions(plane.host(), xdsPort, xdsTlsCert, xdsTlsKey, revision);
    }
}
