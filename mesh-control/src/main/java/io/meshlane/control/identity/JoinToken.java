package io.meshlane.control.identity;

import java.time.Instant;

/** What a join token grants: one first contact for a node of {@code cluster}, until {@code expires}. */
public record JoinToken(String cluster, Scope scope, Instant expires) {

    /** What a token may be used for. */
    public enum Scope { agent, telemetry }
}
