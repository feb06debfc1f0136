package io.meshlane.control.xds;

import java.time.Instant;
import java.util.List;

/**
 * A client rejected a response: which node, which type and version, the resource names it covered, the
 * client's message, and the configuration objects those resources came from (e.g.
 * {@code VirtualService default/reviews}), so the report can be attached to them.
 */
record NackReport(String nodeId, String typeUrl, String version, List<String> resourceNames, String message,
                         List<String> configObjects, Instant at) {
}
