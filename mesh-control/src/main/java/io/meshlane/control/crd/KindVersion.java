package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** One served version of a kind: its schema (may be null), printer columns and whether status is a subresource. */
public record KindVersion(String name, boolean storage, JsonNode schema, List<PrinterColumn> columns,
                          boolean statusSubresource) {
}
