package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Checks beyond the schema for some kinds (Istio's webhook rules); empty list when the object is fine. */
public interface SemanticCheck {
    boolean appliesTo(ResourceKind kind);

    List<FieldError> check(JsonNode object);
}
