package io.meshlane.control.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** A stored (or dry-run) object with the HTTP code to answer and any warnings for the client. */
public record WriteResult(int code, ObjectNode object, List<String> warnings) {
}
