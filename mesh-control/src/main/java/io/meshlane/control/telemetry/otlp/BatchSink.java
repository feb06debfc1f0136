package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.telemetry.store.IngestOutcome;

/**
 * Where receivers hand each decoded batch (in the control plane: {@code store::accept}). May be called
 * from many threads at once. To refuse a batch because of overload, throw {@link SinkOverloadedException}:
 * clients are told to retry. Any other exception is reported to the client as an internal error.
 */
@FunctionalInterface
public interface BatchSink {
    IngestOutcome accept(TelemetryBatch batch);
}
