package io.meshlane.control.telemetry.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OTLP's JSON encoding. It is protobuf's JSON mapping except that trace and span ids are hex strings
 * where protobuf would expect base64; the ids are rewritten before the standard parser runs.
 */
final class OtlpJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> ID_FIELDS = Set.of("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id");
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private OtlpJson() {
    }

    /** Parses {@code json} into {@code builder}; IllegalArgumentException says what is wrong and where. */
    static void merge(byte[] json, Message.Builder builder) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        rewriteIds(root, "$");
        try {
            PARSER.merge(root.toString(), builder);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the body is not an OTLP " + builder.getDescriptorForType().getName() + ": " + e.getMessage());
        }
    }

    static String print(Message message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void rewriteIds(JsonNode node, String path) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                rewriteIds(node.get(i), path + "[" + i + "]");
            }
        } else if (node.isObject()) {
            ObjectNode obj = (ObjectNode) node;
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            obj.fields().forEachRemaining(fields::add);
            for (Map.Entry<String, JsonNode> f : fields) {
                String where = path + "." + f.getKey();
                if (ID_FIELDS.contains(f.getKey()) && f.getValue().isTextual()) {
                    obj.set(f.getKey(), new TextNode(base64(f.getValue().asText(), where)));
                } else {
                    rewriteIds(f.getValue(), where);
                }
            }
        }
    }

    private static String base64(String hex, String where) {
        if (hex.isEmpty()) {
            return hex;
        }
        try {
            if (hex.length() % 2 != 0) {
                throw new IllegalArgumentException("odd length");
            }
            return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " = \"" + abbreviate(hex) + "\" is not a hex id (OTLP/JSON encodes trace and span ids"
                    + " as hex strings, 32 and 16 characters)");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
