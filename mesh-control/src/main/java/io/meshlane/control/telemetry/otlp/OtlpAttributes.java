package io.meshlane.control.telemetry.otlp;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** OTLP attribute lists as plain string maps (arrays and maps rendered as text). */
final class OtlpAttributes {
    private OtlpAttributes() {
    }

    static Map<String, String> toMap(List<KeyValue> attributes) {
        if (attributes.isEmpty()) {
            return Map.of();
        }
        Map<String, String> m = new HashMap<>(attributes.size() * 2);
        for (KeyValue kv : attributes) {
            m.put(kv.getKey(), text(kv.getValue()));
        }
        return m;
    }

    static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case BYTES_VALUE -> OtlpIds.hex(v.getBytesValue());
            case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(OtlpAttributes::text)
                    .collect(Collectors.joining(",", "[", "]"));
            case KVLIST_VALUE -> v.getKvlistValue().getValuesList().stream().map(kv -> kv.getKey() + "=" + text(kv.getValue()))
                    .collect(Collectors.joining(",", "{", "}"));
            default -> "";
        };
    }
}
