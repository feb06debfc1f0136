package io.meshlane.api.xds;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.xds.XdsCredentialsProvider;
import java.io.File;
import java.io.IOException;
import java.util.Map;

/**
 * The xDS bootstrap's {@code "channel_creds": [{"type": "tls", "config": {...}}]} as gRFC A65 defines it,
 * for grpc-java clients: grpc-java 1.85's own {@code tls} provider ignores the config (server-authenticated
 * TLS with the system's roots, no client certificate), so it cannot reach mesh-control's mTLS xDS port. On
 * the classpath (service loader, higher priority than grpc-java's), this one reads
 * {@code certificate_file}, {@code private_key_file} and {@code ca_certificate_file}: a client
 * certificate when the first is set, the CA file as the only trust root when set. The files are read when
 * the xDS client connects; {@code refresh_interval} is not watched (restart or reconnect after renewal).
 */
public final class BootstrapTlsCredentials extends XdsCredentialsProvider {

    @Override
    protected ChannelCredentials newChannelCredentials(Map<String, ?> config) {
        String cert = string(config, "certificate_file");
        String key = string(config, "private_key_file");
        String ca = string(config, "ca_certificate_file");
        if (cert != null && key == null) {
            throw new IllegalArgumentException("xDS bootstrap tls channel_creds: certificate_file " + cert + " needs private_key_file");
        }
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        try {
            if (cert != null) {
                b.keyManager(new File(cert), new File(key));
            }
            if (ca != null) {
                b.trustManager(new File(ca));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("xDS bootstrap tls channel_creds: cannot read " + (cert != null ? cert + ", " + key + ", " : "")
                    + ca + ": " + e.getMessage(), e);
        }
        return b.build();
    }

    private static String string(Map<String, ?> config, String field) {
        Object v = config == null ? null : config.get(field);
        return v instanceof String s && !s.isEmpty() ? s : null;
    }

    @Override
    protected String getName() {
        return "tls";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    /** Above grpc-java's own {@code tls} provider (5), so the registry picks this one for the name. */
    @Override
    public int priority() {
        return 8;
    }
}
