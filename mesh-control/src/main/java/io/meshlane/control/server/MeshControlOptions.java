package io.meshlane.control.server;

import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.identity.IdentityOptions;
import io.meshlane.control.xds.XdsOptions;
import java.nio.file.Path;

/**
 * How to run the whole control plane: the Kubernetes API with its store and telemetry
 * ({@code plane}), the node agents' endpoint (with how node certificates are issued) and the
 * xDS server: mTLS ADS beside the agents on {@code plane}'s host, plaintext ADS on loopback unless
 * {@code xdsInsecureBind} names another address. Ports 0 pick free ones.
 */
public record MeshControlOptions(ControlPlaneOptions plane, int agentsPort, int xdsPort, Path xdsTlsCert, Path xdsTlsKey,
                                 String revision, IdentityOptions identity, String xdsInsecureBind) {

    public static MeshControlOptions of(ControlPlaneOptions plane) {
        return new MeshControlOptions(plane, AgentServer.DEFAULT_PORT, XdsOptions.DEFAULT_PORT, null, null, "default",
                IdentityOptions.defaults(), "127.0.0.1");
    }

    public MeshControlOptions withPorts(int agents, int xds) {
        return new MeshControlOptions(plane, agents, xds, xdsTlsCert, xdsTlsKey, revision, identity, xdsInsecureBind);
    }

    public MeshControlOptions withXds(Path tlsCert, Path tlsKey, String servedRevision) {
        return new MeshControlOptions(plane, agentsPort, xdsPort, tlsCert, tlsKey, servedRevision, identity, xdsInsecureBind);
    }

    public MeshControlOptions withIdentity(IdentityOptions nodeIdentity) {
        return new MeshControlOptions(plane, agentsPort, xdsPort, xdsTlsCert, xdsTlsKey, revision, nodeIdentity, xdsInsecureBind);
    }

    /** Where plaintext ADS listens: loopback unless an operator asks otherwise (--xds-insecure-bind). */
    public MeshControlOptions withXdsInsecureBind(String address) {
        return new MeshControlOptions(plane, agentsPort, xdsPort, xdsTlsCert, xdsTlsKey, revision, identity,
                address == null || address.isBlank() ? "127.0.0.1" : address);
    }

    XdsOptions xds() {
        return new XdsOptions(xdsTlsCert != null ? plane.host() : xdsInsecureBind, xdsPort, xdsTlsCert, xdsTlsKey, revision);
    }
}
