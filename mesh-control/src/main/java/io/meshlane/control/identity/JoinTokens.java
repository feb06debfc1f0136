package io.meshlane.control.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.store.ResourceStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One-time, expiring join tokens, kept as {@code join-tokens/<id>.json} (mode 0600) in the data
 * directory so that {@code meshlane control token create} works beside a running control plane, or
 * (replicas on etcd) as keys in the shared store, so that a token made for one replica joins through any.
 * A token is {@code <id>.<secret>}; only the secret's SHA-256 is stored, and using a token
 * deletes its file, so a second use (or a race of two) finds nothing.
 */
public final class JoinTokens {

    private static final Pattern FORMAT = Pattern.compile("([0-9a-f]{8})\\.([0-9a-f]{32})");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Records records;

    public JoinTokens(Path dataDir) {
        this.records = new FileRecords(dataDir.resolve("join-tokens"));
    }

    /** Join tokens every replica sharing {@code store} sees. */
    public JoinTokens(ResourceStore store) {
        this.records = new StoreRecords(store, "/meshlane/identity/join-tokens/");
    }

    /** Creates a token and returns it: the only time its secret is seen. */
    public String create(String cluster, Duration ttl, JoinToken.Scope scope) {
        NodeId.requireName(cluster, "cluster");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a join token's --ttl must be positive, not " + ttl);
        }
        String id = random(4);
        String secret = random(16);
        var record = JSON.createObjectNode().put("cluster", cluster).put("scope", scope.name())
                .put("expires", Instant.now().plus(ttl).toString()).put("secretSha256", sha256(secret));
        try {
            records.put(id + ".json", record.toString());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot write the join token into " + records.where() + ": " + e.getMessage(), e);
        }
        return id + "." + secret;
    }

    /** Uses up {@code token} and returns what it granted; empty when unknown, used, expired or malformed. */
    Optional<JoinToken> consume(String token) {
        return read(token, true);
    }

    /**
     * What {@code token} grants without using it up (telemetry tokens are multi-use until their TTL);
     * empty when unknown, deleted, expired or malformed.
     */
    Optional<JoinToken> peek(String token) {
        return read(token, false);
    }

    private Optional<JoinToken> read(String token, boolean use) {
        var m = FORMAT.matcher(token == null ? "" : token.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        String name = m.group(1) + ".json";
        Optional<String> stored = records.get(name);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode record = JSON.readTree(stored.get());
            if (!MessageDigest.isEqual(sha256(m.group(2)).getBytes(StandardCharsets.US_ASCII),
                    record.path("secretSha256").asText().getBytes(StandardCharsets.US_ASCII))) {
                return Optional.empty();
            }
            JoinToken granted = new JoinToken(record.path("cluster").asText(), JoinToken.Scope.valueOf(record.path("scope").asText()),
                    Instant.parse(record.path("expires").asText()));
            // a telemetry token shown at Join is refused there but not destroyed: it stays usable for OTLP
            if (use && granted.scope() == JoinToken.Scope.agent && !records.delete(name)) {
                // used at the same moment through another call or replica
                return Optional.empty();
            }
            return granted.expires().isAfter(Instant.now()) ? Optional.of(granted) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the join token record " + name + " in " + records.where() + " is unreadable: " + e.getMessage()
                    + " (delete it and create a new token)", e);
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
