package io.meshlane.control.identity;

import java.time.Instant;

/** The authenticated node behind one call on the agents' endpoint, and the lifetime of the certificate it showed. */
public record NodeCaller(NodeId id, Instant issued, Instant expires) {
}
