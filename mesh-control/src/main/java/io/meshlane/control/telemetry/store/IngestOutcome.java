package io.meshlane.control.telemetry.store;

/**
 * What the store did with a batch: items accepted, items refused (with the first reason, for
 * OTLP partial success), and items folded into the overflow key by the cardinality cap.
 */
public record IngestOutcome(long accepted, long rejected, long capped, String firstRejection) {

    public static final IngestOutcome NONE = new IngestOutcome(0, 0, 0, "");
}
