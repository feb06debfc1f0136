package io.meshlane.control.telemetry.export;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xerial.snappy.Snappy;

/**
 * Prometheus remote-write 1.0: every interval, takes the series the supplier gives (the control plane's
 * aggregate snapshot), splits them into requests, snappy-compresses them and queues them; one sender
 * thread posts them, retrying 5xx, 429 and connection failures with backoff. A full queue or exhausted
 * retries drop the request and count it; the supplier's caller (the timer) never waits on the network.
 *
 * <pre>{@code
 * RemoteWriteExporter rw = RemoteWriteExporter.start(RemoteWriteOptions.to(URI.create("http://prom:9090/api/v1/write")),
 *         () -> snapshotAsSeries());
 * }</pre>
 */
public final class RemoteWriteExporter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RemoteWriteExporter.class.getName());

    private record Payload(byte[] snappy, int series) {
    }

    private final RemoteWriteOptions options;
    private final Supplier<List<RemoteSeries>> supplier;
    private final Backoff backoff;
    private final BlockingQueue<Payload> queue;
    private final ExportCounters counters = new ExportCounters();
    private final HttpClient http;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("remote-write-snapshot").unstarted(r));
    private final Thread sender;
    private volatile boolean closed;
    private volatile String lastProblem = "";

    private RemoteWriteExporter(RemoteWriteOptions options, Supplier<List<RemoteSeries>> supplier) {
        this.options = options;
        this.supplier = supplier;
        this.backoff = new Backoff(options.initialBackoff(), options.maxBackoff());
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        this.http = HttpClient.newBuilder().connectTimeout(options.timeout()).build();
        this.sender = Thread.ofPlatform().daemon().name("remote-write-send").unstarted(this::run);
    }

    public static RemoteWriteExporter start(RemoteWriteOptions options, Supplier<List<RemoteSeries>> supplier) {
        RemoteWriteExporter e = new RemoteWriteExporter(options, supplier);
        e.sender.start();
        long every = options.interval().toMillis();
        e.timer.scheduleAtFixedRate(e::snapshot, every, every, TimeUnit.MILLISECONDS);
        return e;
    }

    public ExportStats stats() {
        return counters.snapshot(queue.size());
    }

    /** Takes one snapshot now and queues it (also what the timer does). */
    public void snapshot() {
        List<RemoteSeries> series;
        try {
            series = supplier.get();
        } catch (RuntimeException e) {
            problem("the series supplier failed: " + e);
            return;
        }
        if (series == null) {
            return;
        }
        for (int from = 0; from < series.size(); from += options.maxSeriesPerRequest()) {
            List<RemoteSeries> chunk = series.subList(from, Math.min(series.size(), from + options.maxSeriesPerRequest()));
            try {
                Payload p = new Payload(Snappy.compress(RemoteWriteEncoding.writeRequest(chunk)), chunk.size());
                if (closed || !queue.offer(p)) {
                    counters.dropped(chunk.size());
                }
            } catch (IOException | RuntimeException e) {
                counters.dropped(chunk.size());
                problem("cannot encode " + chunk.size() + " series for remote-write: " + e);
            }
        }
    }

    private void run() {
        while (!closed) {
            Payload p;
            try {
                p = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (p != null) {
                send(p);
            }
        }
        for (Payload p; (p = queue.poll()) != null; ) {
            counters.dropped(p.series);
        }
    }

    private void send(Payload p) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(options.endpoint()).timeout(options.timeout())
                .header("Content-Encoding", "snappy")
                .header("Content-Type", "application/x-protobuf")
                .header("User-Agent", "meshlane-control")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(p.snappy));
        if (!options.bearerToken().isEmpty()) {
            rb.header("Authorization", "Bearer " + options.bearerToken());
        }
        HttpRequest request = rb.build();
        for (int attempt = 1; ; attempt++) {
            String failure;
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 == 2) {
                    counters.sent(p.series);
                    problem("");
                    return;
                }
                failure = "HTTP " + r.statusCode() + " " + abbreviate(r.body());
                if (r.statusCode() != 429 && r.statusCode() / 100 != 5) {
                    // the receiver refuses this data; sending it again would be refused again
                    counters.dropped(p.series);
                    problem(options.endpoint() + " refused " + p.series + " series: " + failure);
                    return;
                }
            } catch (IOException e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
            } catch (InterruptedException e) {
                counters.dropped(p.series);
                Thread.currentThread().interrupt();
                closed = true;
                return;
            }
            if (attempt >= options.maxAttempts() || closed) {
                counters.dropped(p.series);
                problem("remote-write to " + options.endpoint() + " failed " + attempt + " times, last: " + failure);
                return;
            }
            counters.retries.increment();
            try {
                Thread.sleep(backoff.delayMillis(attempt - 1));
            } catch (InterruptedException e) {
                counters.dropped(p.series);
                Thread.currentThread().interrupt();
                closed = true;
                return;
            }
        }
    }

    private void problem(String p) {
        if (p.equals(lastProblem)) {
            return;
        }
        lastProblem = p;
        if (p.isEmpty()) {
            LOG.info("remote-write to " + options.endpoint() + " works again");
        } else {
            LOG.log(Level.WARNING, p + "; later failures are counted, logged again when the state changes");
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        sender.interrupt();
        try {
            sender.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}
