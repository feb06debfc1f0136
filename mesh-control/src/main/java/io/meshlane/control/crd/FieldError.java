package io.meshlane.control.crd;

/**
 * One validation failure in the apiserver's shape: {@code field} (e.g. {@code spec.hosts}),
 * {@code reason} (FieldValueRequired, FieldValueInvalid, ...) and the text after "field: ".
 */
public record FieldError(String field, String reason, String message) {

    public static FieldError required(String field) {
        return new FieldError(field, "FieldValueRequired", "Required value");
    }

    public static FieldError invalid(String field, String shownValue, String detail) {
        return new FieldError(field, "FieldValueInvalid", "Invalid value: " + shownValue + ": " + detail);
    }

    public static FieldError unsupported(String field, String shownValue, String supported) {
        return new FieldError(field, "FieldValueNotSupported", "Unsupported value: " + shownValue + ": supported values: " + supported);
    }

    public static FieldError duplicate(String field, String shownValue) {
        return new FieldError(field, "FieldValueDuplicate", "Duplicate value: " + shownValue);
    }

    public static FieldError forbidden(String field, String detail) {
        return new FieldError(field, "FieldValueForbidden", "Forbidden: " + detail);
    }

    public String text() {
        return field.isEmpty() ? message : field + ": " + message;
    }
}
