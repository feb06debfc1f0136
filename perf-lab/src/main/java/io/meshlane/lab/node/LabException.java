package io.meshlane.lab.node;

/** The lab could not be built, inspected or torn down; the message says what to do next. */
public class LabException extends RuntimeException {
    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
