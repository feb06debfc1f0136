package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.telemetry.store.IngestOutcome;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A sink that keeps every batch; {@link #failWith} makes the next calls throw instead. */
public final class CollectingSink implements BatchSink {
    public final List<TelemetryBatch> batches = new CopyOnWriteArrayList<>();
    private volatile Supplier<RuntimeException> failure;

    @Override
    public IngestOutcome accept(TelemetryBatch batch) {
        Supplier<RuntimeException> f = failure;
        if (f != null) {
            throw f.get();
        }
        batches.add(batch);
        return new IngestOutcome(batch.size(), 0, 0, "");
    }

    public void failWith(Supplier<RuntimeException> f) {
        failure = f;
    }

    public List<SpanRecord> spans() {
        return batches.stream().flatMap(b -> b.spans().stream()).toList();
    }

    public List<io.meshlane.control.telemetry.signals.LogRecord> logs() {
        return batches.stream().flatMap(b -> b.logs().stream()).toList();
    }

    public List<RequestBuckets> requestBuckets() {
        return batches.stream().flatMap(b -> b.requestBuckets().stream()).toList();
    }
}
