package io.meshlane.control.telemetry.store;

import io.meshlane.control.telemetry.signals.TelemetryBatch;
import java.time.Clock;

/** Everything the control plane knows of its mesh's traffic, bounded by the memory budget. (Being written.) */
public final class TelemetryStore implements AutoCloseable {

    private final TelemetryConfig config;
    private final Clock clock;

    public TelemetryStore(TelemetryConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** Thread-safe; never blocks on queries. */
    public IngestOutcome accept(TelemetryBatch batch) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }
}
