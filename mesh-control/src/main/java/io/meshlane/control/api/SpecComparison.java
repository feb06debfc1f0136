package io.meshlane.control.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Comparisons of objects that decide whether generation moves. */
final class SpecComparison {
    private SpecComparison() {
    }

    /** True when nothing but metadata (and status, if it is a subresource) differs. */
    static boolean equalsIgnoringMeta(ObjectNode a, ObjectNode b, boolean statusSubresource) {
        ObjectNode x = a.deepCopy();
        ObjectNode y = b.deepCopy();
        x.remove("metadata");
        y.remove("metadata");
        if (statusSubresource) {
            x.remove("status");
            y.remove("status");
        }
        return x.equals(y);
    }
}
