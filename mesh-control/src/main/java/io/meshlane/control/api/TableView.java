package io.meshlane.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.KindRegistry.Served;
import io.meshlane.control.crd.PrinterColumn;
import io.meshlane.control.http.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code meta.k8s.io/v1 Table} responses for {@code kubectl get}: a Name column, then the
 * kind's additionalPrinterColumns (or Age when it has none), with date columns shown as ages.
 */
public final class TableView {

    private static final PrinterColumn AGE = new PrinterColumn("Age", "date", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0, ".metadata.creationTimestamp");

    private TableView() {
    }

    /** Whether the client asked for a Table (kubectl get does). */
    public static boolean wanted(String accept) {
        return accept != null && accept.contains("as=Table");
    }

    static List<PrinterColumn> columns(Served s) {
        List<PrinterColumn> columns = new ArrayList<>();
        columns.add(new PrinterColumn("Name", "string", "name", "Name must be unique within a namespace.", 0, ".metadata.name"));
        columns.addAll(s.version().columns().isEmpty() ? List.of(AGE) : s.version().columns());
        return columns;
    }

    public static ObjectNode table(Served s, List<ObjectNode> objects, String resourceVersion, String continueToken, boolean headers) {
        List<PrinterColumn> columns = columns(s);
        ObjectNode table = Json.object();
        table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        ObjectNode meta = table.putObject("metadata");
        if (resourceVersion != null) {
            meta.put("resourceVersion", resourceVersion);
        }
        if (continueToken != null) {
            meta.put("continue", continueToken);
        }
        ArrayNode defs = table.putArray("columnDefinitions");
        if (headers) {
            for (PrinterColumn c : columns) {
                defs.addObject().put("name", c.name()).put("type", c.type()).put("format", c.format())
                        .put("description", c.description()).put("priority", c.priority());
            }
        }
        ArrayNode rows = table.putArray("rows");
        for (ObjectNode object : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (PrinterColumn c : columns) {
                cells.add(cell(c, JsonPaths.find(object, c.jsonPath())));
            }
            row.set("object", object);
        }
        return table;
    }

    private static JsonNode cell(PrinterColumn c, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return Json.MAPPER.nullNode();
        }
        return switch (c.type()) {
            case "date" -> Json.MAPPER.getNodeFactory().textNode(age(value.asText()));
            case "integer", "number", "boolean" -> value;
            default -> Json.MAPPER.getNodeFactory().textNode(value.isValueNode() ? value.asText() : Json.string(value));
        };
    }

    /** Kubernetes' human duration: 45s, 5m, 3h, 2d4h, 20d, 3y. */
    static String age(String timestamp) {
        Instant then;
        try {
            then = Instant.parse(timestamp);
        } catch (RuntimeException e) {
            return "<invalid>";
        }
        Duration d = Duration.between(then, Instant.now());
        long s = Math.max(0, d.getSeconds());
        if (s < 120) {
            return s + "s";
        }
        long m = s / 60;
        if (m < 10) {
            return m + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
        }
        if (m < 180) {
            return m + "m";
        }
        long h = m / 60;
        if (h < 8) {
            return h + "h" + (m % 60 == 0 ? "" : (m % 60) + "m");
        }
        if (h < 48) {
            return h + "h";
        }
        long days = h / 24;
        if (days < 8) {
            return days + "d" + (h % 24 == 0 ? "" : (h % 24) + "h");
        }
        return days < 365 * 2 ? days + "d" : (days / 365) + "y";
    }
}
