package io.meshlane.control.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Authentication and per-namespace write authorisation, configured by the optional
 * {@code <data-dir>/access.yaml} ({@link AccessFile}):
 * <pre>
 * tokens:                       # bearer tokens of other users (the generated admin token always works)
 * - {token: s3cret, user: alice, groups: [team-a]}
 * rules:                        # who may write where; every authenticated identity may read
 * - {groups: [team-a], namespaces: [team-a]}
 * - {users: [ops], namespaces: ["*"]}
 * requestHeader:                # kube-aggregator front proxy
 *   clientCA: /path/front-proxy-ca.crt
 *   allowedNames: [front-proxy-client]
 * </pre>
 * X-Remote-User/X-Remote-Group are believed only from a TLS client certificate signed by
 * {@code clientCA} (and, if listed, with one of {@code allowedNames} as common name).
 */
public final class AccessPolicy {

    /** One write rule: identities (users or groups) and the namespaces they may write ("*" = all). */
    public record Rule(List<String> users, List<String> groups, List<String> namespaces) {
        boolean grants(Identity who, String namespace) {
            boolean matches = users.contains(who.user()) || who.groups().stream().anyMatch(groups::contains);
            return matches && (namespaces.contains("*") || (namespace != null && namespaces.contains(namespace)));
        }
    }

    private record TokenEntry(String token, Identity identity) {
    }

    private final List<TokenEntry> tokens;
    private final List<Rule> rules;
    private final X509Certificate requestHeaderCa;
    private final List<String> allowedNames;

    private AccessPolicy(List<TokenEntry> tokens, List<Rule> rules, X509Certificate requestHeaderCa, List<String> allowedNames) {
        this.tokens = tokens;
        this.rules = rules;
        this.requestHeaderCa = requestHeaderCa;
        this.allowedNames = allowedNames;
    }

    public static AccessPolicy load(AccessFile file, Token admin) {
        List<TokenEntry> tokens = new ArrayList<>();
        tokens.add(new TokenEntry(admin.value(), new Identity("meshlane-admin", List.of(Identity.MASTERS))));
        for (JsonNode t : file.section("tokens")) {
            if (t.path("token").asText("").isEmpty() || t.path("user").asText("").isEmpty()) {
                throw file.invalid("every entry under tokens needs a token and a user");
            }
            tokens.add(new TokenEntry(t.path("token").asText(), new Identity(t.path("user").asText(), strings(t.path("groups")))));
        }
        List<Rule> rules = new ArrayList<>();
        for (JsonNode r : file.section("rules")) {
            rules.add(new Rule(strings(r.path("users")), strings(r.path("groups")), strings(r.path("namespaces"))));
        }
        JsonNode header = file.section("requestHeader");
        X509Certificate ca = null;
        if (header.hasNonNull("clientCA")) {
            try {
                byte[] pem = Files.readAllBytes(Path.of(header.get("clientCA").asText()));
                ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
            } catch (IOException | GeneralSecurityException e) {
                throw file.invalid("requestHeader.clientCA: " + e.getMessage());
            }
        }
        return new AccessPolicy(List.copyOf(tokens), List.copyOf(rules), ca, strings(header.path("allowedNames")));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    /** The CA whose client certificates may assert X-Remote-* headers, if configured. */
    public Optional<X509Certificate> requestHeaderCa() {
        return Optional.ofNullable(requestHeaderCa);
    }

    /**
     * Who is asking: a known bearer token, or the aggregator's headers behind a trusted client
     * certificate; empty means anonymous (401).
     */
    public Optional<Identity> authenticate(String authorization, X509Certificate clientCertificate,
                                           String remoteUser, List<String> remoteGroups) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            byte[] presented = authorization.substring(7).trim().getBytes();
            for (TokenEntry t : tokens) {
                if (MessageDigest.isEqual(presented, t.token().getBytes())) {
                    return Optional.of(t.identity());
                }
            }
        }
        if (remoteUser != null && !remoteUser.isEmpty() && trustedFrontProxy(clientCertificate)) {
            return Optional.of(new Identity(remoteUser, List.copyOf(remoteGroups)));
        }
        return Optional.empty();
    }

    private boolean trustedFrontProxy(X509Certificate cert) {
        if (cert == null || requestHeaderCa == null) {
            return false;
        }
        try {
            cert.checkValidity();
            cert.verify(requestHeaderCa.getPublicKey());
        } catch (GeneralSecurityException e) {
            return false;
        }
        if (allowedNames.isEmpty()) {
            return true;
        }
        String subject = cert.getSubjectX500Principal().getName();
        return allowedNames.stream().anyMatch(n -> subject.contains("CN=" + n));
    }

    /** Whether {@code who} may write in {@code namespace} (null = a cluster-scoped object). */
    public boolean mayWrite(Identity who, String namespace) {
        return who.isMaster() || rules.stream().anyMatch(r -> r.grants(who, namespace == null ? "*cluster*" : namespace)
                && (namespace != null || r.namespaces().contains("*")));
    }
}
