package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Kubernetes' rules for labels and annotations (apimachinery's ValidateLabels and
 * ValidateAnnotations): qualified-name keys with an optional DNS-subdomain prefix, label values
 * of at most 63 characters, annotations of at most 256 KiB together. A value is never echoed
 * back whole: an attacker's megabyte would come back in the error.
 */
final class MetadataChecks {
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final int NAME_MAX = 63;
    private static final int DNS_SUBDOMAIN_MAX = 253;
    private static final int LABEL_VALUE_MAX = 63;
    private static final int ANNOTATIONS_MAX_BYTES = 256 * 1024;
    private static final int SHOWN = 64;

    private MetadataChecks() {
    }

    static List<FieldError> check(JsonNode metadata) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode labels = metadata.path("labels");
        for (Map.Entry<String, JsonNode> label : labels.properties()) {
            key("metadata.labels", label.getKey(), errors);
            String value = label.getValue().asText("");
            if (value.length() > LABEL_VALUE_MAX) {
                errors.add(FieldError.invalid("metadata.labels", shown(value), "must be no more than " + LABEL_VALUE_MAX + " characters"));
            } else if (!value.isEmpty() && !NAME.matcher(value).matches()) {
                errors.add(FieldError.invalid("metadata.labels", shown(value), "a valid label must be an empty string or consist of"
                        + " alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
            }
        }
        long annotationBytes = 0;
        for (Map.Entry<String, JsonNode> annotation : metadata.path("annotations").properties()) {
            key("metadata.annotations", annotation.getKey(), errors);
            annotationBytes += annotation.getKey().getBytes(StandardCharsets.UTF_8).length
                    + annotation.getValue().asText("").getBytes(StandardCharsets.UTF_8).length;
        }
        if (annotationBytes > ANNOTATIONS_MAX_BYTES) {
            errors.add(new FieldError("metadata.annotations", "FieldValueTooLong",
                    "Too long: must have at most " + ANNOTATIONS_MAX_BYTES + " bytes"));
        }
        return errors;
    }

    /** RFC 1123 subdomain, as object names and label-key prefixes must be. */
    static boolean isDnsSubdomain(String value) {
        return !value.isEmpty() && value.length() <= DNS_SUBDOMAIN_MAX && DNS_SUBDOMAIN.matcher(value).matches();
    }

    private static void key(String field, String key, List<FieldError> errors) {
        int slash = key.indexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (prefix != null && !isDnsSubdomain(prefix)) {
            errors.add(FieldError.invalid(field, shown(key), "prefix part a lowercase RFC 1123 subdomain must consist of lower case"
                    + " alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
        }
        if (name.isEmpty() || name.length() > NAME_MAX || !NAME.matcher(name).matches()) {
            errors.add(FieldError.invalid(field, shown(key), "name part must consist of alphanumeric characters, '-', '_' or '.',"
                    + " and must start and end with an alphanumeric character, at most " + NAME_MAX + " characters"));
        }
    }

    private static String shown(String value) {
        return "\"" + (value.length() > SHOWN ? value.substring(0, SHOWN) + "...(" + value.length() + " characters)" : value) + "\"";
    }
}
