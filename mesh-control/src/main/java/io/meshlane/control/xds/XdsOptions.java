package io.meshlane.control.xds;

import java.nio.file.Path;

/**
 * How the ADS server listens: host and port (default 127.0.0.1:15010; port 0 picks a free one), an
 * optional TLS certificate chain and key (PEM; plaintext when absent), and the control-plane revision
 * it serves ({@code default}, or e.g. {@code canary}: only nodes whose namespace carries
 * {@code istio.io/rev=<revision>}), and the mesh-wide defaults of what clients see ({@link MeshDefaults}).
 */
public record XdsOptions(String host, int port, Path tlsCertChain, Path tlsPrivateKey, String revision, MeshDefaults mesh) {
    public static final int DEFAULT_PORT = 15010;

    public XdsOptions {
        host = host == null || host.isBlank() ? "127.0.0.1" : host;
        revision = revision == null || revision.isBlank() ? "default" : revision;
        mesh = mesh == null ? MeshDefaults.defaults() : mesh;
        if ((tlsCertChain == null) != (tlsPrivateKey == null)) {
            throw new IllegalArgumentException("xDS TLS needs both a certificate chain and a private key; got only one");
        }
    }

    public XdsOptions(String host, int port, Path tlsCertChain, Path tlsPrivateKey, String revision) {
        this(host, port, tlsCertChain, tlsPrivateKey, revision, MeshDefaults.defaults());
    }

    public static XdsOptions defaults() {
        return new XdsOptions("127.0.0.1", DEFAULT_PORT, null, null, "default");
    }

    public XdsOptions withPort(int newPort) {
        return new XdsOptions(host, newPort, tlsCertChain, tlsPrivateKey, revision, mesh);
    }

    public XdsOptions withRevision(String newRevision) {
        return new XdsOptions(host, port, tlsCertChain, tlsPrivateKey, newRevision, mesh);
    }

    public XdsOptions withMesh(MeshDefaults newMesh) {
        return new XdsOptions(host, port, tlsCertChain, tlsPrivateKey, revision, newMesh);
    }

    public boolean tls() {
        return tlsCertChain != null;
    }
}
