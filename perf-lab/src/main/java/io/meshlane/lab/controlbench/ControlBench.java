package io.meshlane.lab.controlbench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Drives a running control plane the way kubectl and client-go do: HTTPS with HTTP/2 where the server offers it,
 * each client one connection carrying many concurrent streams. Phases, in order: creates of the collection,
 * random gets from it, full lists of it in pages, and one object's changes delivered to many watchers.
 * Every phase is bounded in count and time; it talks only to the target it is given (loopback in the CLI).
 */
public final class ControlBench {

    private static final String GROUP = "/apis/meshlane.io/v1alpha1/namespaces/";
    private static final String COLLECTION = GROUP + "default/accelerationpolicies";
    private static final String WARMUP_NAMESPACE = "meshlane-bench-warmup";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final long PHASE_MINUTES = 10;
    private static final long CHANGE_SPACING_MILLIS = 200;
    private static final JsonFactory JSON = new JsonFactory();

    private final ControlTarget target;
    private final ControlBenchOptions options;
    private final Consumer<String> log;
    private final List<HttpClient> connections = new ArrayList<>();
    private final AtomicInteger nextConnection = new AtomicInteger();
    private final AtomicLong errors = new AtomicLong();
    private final ConcurrentHashMap<String, Boolean> errorSamples = new ConcurrentHashMap<>();
    private volatile String httpVersion = "none";

    public ControlBench(ControlTarget target, ControlBenchOptions options, Consumer<String> log) {
        this.target = target;
        this.options = options;
        this.log = log;
        for (int i = 0; i < options.connections(); i++) {
            connections.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(target.tls())
                    .connectTimeout(Duration.ofSeconds(30)).build());
        }
    }

    public ControlBenchResult run(String store) throws Exception {
        try {
            warmUp();
            Histogram creates = new ConcurrentHistogram(3);
            double createsPerS = phase("creates", options.objects(), creates, i -> expect(201,
                    send("POST", COLLECTION, "application/json", policy("p-" + i, i % 2 == 0 ? "Enabled" : "Disabled"))));
            Histogram gets = new ConcurrentHistogram(3);
            double getsPerS = phase("gets", options.gets(), gets,
                    i -> expect(200, send("GET", COLLECTION + "/p-" + ThreadLocalRandom.current().nextInt(options.objects()), null, null)));
            Histogram lists = new ConcurrentHistogram(3);
            double listsPerS = phase("lists", options.lists(), lists, i -> listAll(COLLECTION, options.objects()));
            Histogram fanout = new ConcurrentHistogram(3);
            long[] delivered = fanOut(fanout);
            double[] load = loadAverage();
            if (!errorSamples.isEmpty()) {
                log.accept("errors (first ones): " + String.join("; ", errorSamples.keySet()));
            }
            return new ControlBenchResult(store, httpVersion, options.objects(), createsPerS, ms(creates, 99), getsPerS, ms(gets, 99),
                    listsPerS, ms(lists, 99), options.watchers(), delivered[0], delivered[1], ms(fanout, 50), ms(fanout, 99),
                    errors.get(), load);
        } finally {
            connections.forEach(HttpClient::close);
        }
    }

    private static double ms(Histogram micros, double percentile) {
        return micros.getTotalCount() == 0 ? 0 : micros.getValueAtPercentile(percentile) / 1e3;
    }

    /** The JIT compiles the request path before anything is timed; the warm-up objects live in a namespace of their own. */
    private void warmUp() throws Exception {
        byte[] ns = ("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + WARMUP_NAMESPACE + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> created = send("POST", "/api/v1/namespaces", "application/json", ns);
        if (created.statusCode() != 201 && created.statusCode() != 409) {
            throw new IllegalStateException("the control plane refused the warm-up namespace: HTTP " + created.statusCode() + " "
                    + new String(created.body(), StandardCharsets.UTF_8));
        }
        String warm = GROUP + WARMUP_NAMESPACE + "/accelerationpolicies";
        int count = Math.min(2_000, options.objects());
        phase(null, count, new ConcurrentHistogram(3), i -> {
            expect(201, send("POST", warm, "application/json", policy("w-" + i, "Enabled")));
            expect(200, send("GET", warm + "/w-" + i, null, null));
            if (i % 100 == 0) {
                listAll(warm, -1);
            }
        });
        errors.set(0);
        errorSamples.clear();
    }

    private static byte[] policy(String name, String acceleration) {
        return ("{\"apiVersion\":\"meshlane.io/v1alpha1\",\"kind\":\"AccelerationPolicy\",\"metadata\":{\"name\":\"" + name
                + "\"},\"spec\":{\"acceleration\":\"" + acceleration + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    interface Call {
        void run(int i) throws Exception;
    }

    /** {@code count} calls, {@code concurrency} in flight; returns calls per second (and logs it when named). */
    private double phase(String name, int count, Histogram latencyMicros, Call call) throws Exception {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(options.concurrency());
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < options.concurrency(); t++) {
                pool.execute(() -> {
                    try {
                        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                            long t0 = System.nanoTime();
                            try {
                                call.run(i);
                            } catch (Exception e) {
                                error(e.toString());
                            }
                            latencyMicros.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                        }
                    } finally {
                        done.countDown();
                    }
                });
            }
            if (!done.await(PHASE_MINUTES, TimeUnit.MINUTES)) {
                pool.shutdownNow();
                throw new IllegalStateException((name == null ? "the warm-up" : name) + " did not finish within " + PHASE_MINUTES + " minutes");
            }
        }
        double perSecond = count / ((System.nanoTime() - start) / 1e9);
        if (name != null) {
            log.accept(String.format("%-8s %,d in %.1f s = %,.0f/s; p50 %.1f ms, p99 %.1f ms", name, count,
                    (System.nanoTime() - start) / 1e9, perSecond, ms(latencyMicros, 50), ms(latencyMicros, 99)));
        }
        return perSecond;
    }

    private void error(String what) {
        errors.incrementAndGet();
        if (errorSamples.size() < 5) {
            errorSamples.put(what, Boolean.TRUE);
        }
    }

    private void expect(int status, HttpResponse<byte[]> response) {
        if (response.statusCode() != status) {
            String body = new String(response.body(), StandardCharsets.UTF_8);
            error(response.request().method() + " " + response.uri().getPath() + ": HTTP " + response.statusCode() + " "
                    + body.substring(0, Math.min(200, body.length())));
        }
    }

    private HttpClient connection() {
        return connections.get(Math.floorMod(nextConnection.getAndIncrement(), connections.size()));
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(target.server() + pathAndQuery)).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + target.token()).header("Accept", "application/json");
    }

    private HttpResponse<byte[]> send(String method, String path, String contentType, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        }
        HttpResponse<byte[]> response = connection().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        httpVersion = response.version() == HttpClient.Version.HTTP_2 ? "HTTP/2" : "HTTP/1.1";
        return response;
    }

    /** One full list as kubectl and informers do it: pages of {@code pageSize} joined by continue tokens. */
    private void listAll(String collection, int expectedItems) throws IOException, InterruptedException {
        String token = "";
        int items = 0;
        do {
            String query = "?limit=" + options.pageSize() + (token.isEmpty() ? "" : "&continue=" + token);
            HttpResponse<InputStream> page = connection().send(request(collection + query).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = page.body()) {
                if (page.statusCode() != 200) {
                    error("GET " + collection + query + ": HTTP " + page.statusCode());
                    return;
                }
                ListPage read = ListPage.read(body);
                items += read.items();
                token = read.continueToken();
            }
        } while (!token.isEmpty());
        if (expectedItems >= 0 && items != expectedItems) {
            error("a full list of " + collection + " returned " + items + " items, not " + expectedItems);
        }
    }

    /** The number of items and the continue token of a list page, read without building the objects. */
    record ListPage(int items, String continueToken) {
        static ListPage read(InputStream body) throws IOException {
            int items = 0;
            String token = "";
            try (JsonParser p = JSON.createParser(body)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IOException("a list page is not a JSON object");
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals("items") && value == JsonToken.START_ARRAY) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            p.skipChildren();
                            items++;
                        }
                    } else if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String meta = p.currentName();
                            p.nextToken();
                            if (meta.equals("continue")) {
                                token = p.getValueAsString("");
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            }
            return new ListPage(items, token);
        }
    }

    /** Returns {delivered, expected}: how many change events reached the watchers, and how many should have. */
    private long[] fanOut(Histogram latencyMicros) throws Exception {
        HttpResponse<byte[]> created = send("POST", COLLECTION, "application/json", policy("watched", "Enabled"));
        expect(201, created);
        String rv = resourceVersion(created.body());
        ConcurrentHashMap<Long, Long> sentAt = new ConcurrentHashMap<>();
        AtomicLong delivered = new AtomicLong();
        CountDownLatch open = new CountDownLatch(options.watchers());
        List<Stream<String>> streams = java.util.Collections.synchronizedList(new ArrayList<>());
        Semaphore opening = new Semaphore(32);
        String watch = COLLECTION + "?watch=1&fieldSelector=metadata.name%3Dwatched&resourceVersion=" + rv + "&timeoutSeconds=300";
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (int w = 0; w < options.watchers(); w++) {
                pool.execute(() -> {
                    HttpResponse<Stream<String>> response;
                    opening.acquireUninterruptibly();
                    try {
                        response = connection().send(request(watch).timeout(Duration.ofMinutes(5)).GET().build(),
                                HttpResponse.BodyHandlers.ofLines());
                    } catch (IOException | InterruptedException e) {
                        error("watch: " + e);
                        return;
                    } finally {
                        opening.release();
                    }
                    streams.add(response.body());
                    open.countDown();
                    Iterator<String> lines = response.body().iterator();
                    try {
                        while (lines.hasNext()) {
                            long now = System.nanoTime();
                            Long sent = sentAt.get(sequence(lines.next()));
                            if (sent != null) {
                                latencyMicros.recordValue(Math.max(1, (now - sent) / 1_000));
                                delivered.incrementAndGet();
                            }
                        }
                    } catch (RuntimeException closed) {
                        // the stream is closed when the phase ends
                    }
                });
            }
            if (!open.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("only " + (options.watchers() - open.getCount()) + " of " + options.watchers()
                        + " watches opened within 2 minutes");
            }
            Thread.sleep(1_000);
            for (long seq = 1; seq <= options.changes(); seq++) {
                byte[] patch = ("{\"metadata\":{\"annotations\":{\"bench/seq\":\"" + seq + "\"}}}").getBytes(StandardCharsets.UTF_8);
                sentAt.put(seq, System.nanoTime());
                expect(200, send("PATCH", COLLECTION + "/watched", "application/merge-patch+json", patch));
                Thread.sleep(CHANGE_SPACING_MILLIS);
            }
            long expected = (long) options.watchers() * options.changes();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (delivered.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            log.accept(String.format("fan-out  %,d watchers x %d changes: %,d of %,d events; p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                    options.watchers(), options.changes(), delivered.get(), expected, ms(latencyMicros, 50), ms(latencyMicros, 99),
                    latencyMicros.getMaxValue() / 1e3));
            if (delivered.get() < expected) {
                error((expected - delivered.get()) + " watch events never arrived within 30 s");
            }
            return new long[]{delivered.get(), expected};
        } finally {
            synchronized (streams) {
                streams.forEach(Stream::close);
            }
            pool.shutdownNow();
        }
    }

    private static String resourceVersion(byte[] object) {
        String text = new String(object, StandardCharsets.UTF_8);
        int at = text.indexOf("\"resourceVersion\":\"");
        if (at < 0) {
            throw new IllegalStateException("the created object has no resourceVersion: " + text);
        }
        int start = at + 19;
        return text.substring(start, text.indexOf('"', start));
    }

    /** The bench/seq annotation of a watch line, found without parsing the event (the client shares the CPU). */
    private static long sequence(String line) {
        int at = line.indexOf("\"bench/seq\":\"");
        if (at < 0) {
            return -1;
        }
        int start = at + 13;
        return Long.parseLong(line.substring(start, line.indexOf('"', start)));
    }

    private static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[]{Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return new double[]{-1, -1, -1};
        }
    }
}
