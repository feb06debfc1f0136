package io.meshlane.agent.datapath;

/** A datapath request that cannot be carried out; the message says why and what to do. */
public final class DatapathException extends RuntimeException {

    public DatapathException(String message) {
        super(message);
    }

    public DatapathException(String message, Throwable cause) {
        super(message, cause);
    }
}
