package io.meshlane.lab.http;

import io.meshlane.lab.telemetry.LabOtel;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Entry point of an {@code app: http-load} pod and of {@link HttpLoads#run}: {@code HttpLoadMain
 * --url URL --peer-service S --rate R --duration-millis D --summary FILE [--otlp ...] [identity]}.
 * Prints READY, runs the open loop once, writes the {@link LatencySummary} JSON, flushes its
 * telemetry and prints DONE.
 */
public final class HttpLoadMain {
    private HttpLoadMain() {
    }

    public static void main(String[] args) {
        Flags flags = new Flags("HttpLoadMain", args);
        URI url = URI.create(flags.required("url"));
        String peer = flags.required("peer-service");
        int rate = flags.integer("rate", 10);
        Duration duration = Duration.ofMillis(flags.integer("duration-millis", 10_000));
        Path summaryFile = Path.of(flags.required("summary"));
        try (LabOtel otel = ProcessTelemetry.from(flags, "loadgen");
             HttpLoadClient client = new HttpLoadClient(otel.api())) {
            System.out.println("READY http-load url=" + url + " rate=" + rate + " duration=" + duration.toMillis() + "ms");
            System.out.flush();
            LatencySummary summary = client.run(url, peer, rate, duration);
            summary.write(summaryFile);
            System.out.println("DONE " + summary);
            System.out.flush();
        }
    }
}
