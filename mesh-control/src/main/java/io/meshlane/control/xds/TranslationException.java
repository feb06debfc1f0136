package io.meshlane.control.xds;

/** The translator cannot turn an object into xDS; the message names the object and the offending field. */
public final class TranslationException extends RuntimeException {
    public TranslationException(String message) {
        super(message);
    }
}
