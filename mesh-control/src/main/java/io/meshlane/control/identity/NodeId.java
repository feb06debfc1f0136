package io.meshlane.control.identity;

import java.net.URI;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which node of which cluster a certificate speaks for, as its SPIFFE URI SAN says:
 * {@code spiffe://<trust-domain>/cluster/<cluster>/node/<node>}.
 */
public record NodeId(String cluster, String node) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final int URI_NAME = 6;

    public NodeId {
        requireName(cluster, "cluster");
        requireName(node, "node");
    }

    /** Throws IllegalArgumentException naming {@code what} unless {@code name} is a DNS-1123 subdomain. */
    public static void requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name \"" + name + "\" is not a valid name (lower-case letters, digits, '-' and '.')");
        }
    }

    public URI spiffe(String trustDomain) {
        return URI.create("spiffe://" + trustDomain + "/cluster/" + cluster + "/node/" + node);
    }

    /** The node a certificate names in {@code trustDomain}, if it names one. */
    static Optional<NodeId> of(X509Certificate certificate, String trustDomain) {
        try {
            if (certificate.getSubjectAlternativeNames() == null) {
                return Optional.empty();
            }
            for (List<?> name : certificate.getSubjectAlternativeNames()) {
                if ((Integer) name.get(0) == URI_NAME) {
                    Optional<NodeId> id = parse(URI.create((String) name.get(1)), trustDomain);
                    if (id.isPresent()) {
                        return id;
                    }
                }
            }
            return Optional.empty();
        } catch (CertificateParsingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<NodeId> parse(URI uri, String trustDomain) {
        String[] path = uri.getPath() == null ? new String[0] : uri.getPath().split("/");
        if (!"spiffe".equals(uri.getScheme()) || !trustDomain.equals(uri.getHost()) || path.length != 5
                || !path[1].equals("cluster") || !path[3].equals("node")) {
            return Optional.empty();
        }
        return Optional.of(new NodeId(path[2], path[4]));
    }

    @Override
    public String toString() {
        return node + " (cluster " + cluster + ")";
    }
}
