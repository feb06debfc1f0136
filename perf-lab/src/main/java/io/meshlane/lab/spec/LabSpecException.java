package io.meshlane.lab.spec;

/** A pod file or lab declaration that cannot be built; the message says what and where. */
public class LabSpecException extends RuntimeException {
    public LabSpecException(String message) {
        super(message);
    }

    public LabSpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
