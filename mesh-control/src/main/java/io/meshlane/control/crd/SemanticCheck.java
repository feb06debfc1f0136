package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Checks beyond the schema for some kinds (Istio's webhook rules); empty list when the object is fine. */
public interface SemanticCheck {
    boolean appliesTo(ResourceKind kind);

    List<FieldError> check(JsonNode object);

    /**
     * Advice on an object that passed every check: warnings for the client that wrote it, which the check
     * may also record in the object's status before it is stored.
     */
    default List<String> advise(ObjectNode object) {
        return List.of();
    }
}
