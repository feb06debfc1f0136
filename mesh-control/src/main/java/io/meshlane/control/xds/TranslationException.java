package io.meshlane.control.xds;

/** The translator cannot turn an object into xDS; the message names the object and the offending field. */
final class TranslationException extends RuntimeException {
    TranslationException(String message) {
        super(message);
    }
}
