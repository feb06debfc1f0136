package io.meshlane.lab.bench;

import io.meshlane.agent.datapath.PodRecord;
import io.meshlane.agent.pods.PodFile;
import io.meshlane.lab.capture.EbpfCapture;
import io.meshlane.lab.load.LoadResult;
import io.meshlane.lab.load.LoadSpec;
import io.meshlane.lab.node.JavaCommand;
import io.meshlane.lab.node.LabException;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.AddressPlan;
import io.meshlane.lab.spec.AppSpec;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodMode;
import io.meshlane.lab.spec.PodSpec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node agent's steady state: a lab of {@code pods} ebpf pods (an echo server and a load
 * client with sidecars, the rest idle), every one registered with an agent running as its own
 * process ({@code agent run --pods}), {@code connectionsPerSecond} new connections per second
 * from the client to the server through the datapath, {@code /metrics} scraped every
 * {@code scrapeInterval}, stats reported to the control plane given (every 5 s, the agent's
 * default). Measures the agent process's RSS and CPU (utime + stime from /proc) over {@code duration}
 * after {@code warmup}.
 */
public final class AgentSteadyState {
    private static final Pattern METRICS_URL = Pattern.compile("metrics=(http://\\S+)");

    /**
     * @param controlPlaneArgs the agent's control-plane flags ({@code --control-plane ... --control-plane-ca ...
     *                         --join-token-file ...}); empty: the agent reports nowhere (said so in the result)
     */
    public record Options(String lab, int pods, int clients, int connectionsPerSecond, Duration warmup, Duration duration,
                          Duration scrapeInterval, List<String> controlPlaneArgs) {
        public Options {
            controlPlaneArgs = List.copyOf(controlPlaneArgs);
            if (clients < 1 || pods < clients + 1 || connectionsPerSecond < clients || duration.isZero() || duration.isNegative()
                    || scrapeInterval.isZero()) {
                throw new IllegalArgumentException("--clients >= 1, --pods >= clients + 1, --rate >= clients,"
                        + " --duration and --scrape-interval > 0");
            }
        }
    }

    private final Options options;
    private final Consumer<String> progress;

    public AgentSteadyState(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /**
     * The churn is spread over {@code clients} client pods, each with its own sidecar: one lab sidecar
     * (a single event-loop relay) accepts only a few hundred connections per second on a busy 2-core
     * machine, and the benchmark measures the agent and the datapath, not one relay's accept queue.
     */
    static LabSpec spec(String lab, int pods, int clients) {
        AddressPlan plan = new AddressPlan();
        List<PodSpec> specs = new ArrayList<>();
        specs.add(new PodSpec("steady", "server", Map.of("app", "echo"), true, PodMode.EBPF, plan.allocate(),
                new AppSpec.Echo(BenchOptions.ECHO_PORT), false));
        for (int i = 1; i <= clients; i++) {
            specs.add(new PodSpec("steady", clientName(i), Map.of("app", "load"), true, PodMode.EBPF, plan.allocate(),
                    new AppSpec.None(), false));
        }
        for (int i = 1; i <= pods - 1 - clients; i++) {
            specs.add(new PodSpec("steady", "idle-" + i, Map.of("app", "idle"), false, PodMode.EBPF, plan.allocate(),
                    new AppSpec.Command(List.of("sleep", "86400")), false));
        }
        return new LabSpec(lab, specs);
    }

    private static String clientName(int i) {
        return i == 1 ? "client" : "client-" + i;
    }

    public AgentSteadyStateResult run() throws IOException, InterruptedException {
        NodeLab.down(options.lab());
        Thread cleanup = new Thread(() -> NodeLab.down(options.lab()), "agent-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Process agent = null;
        try (NodeLab lab = NodeLab.up(spec(options.lab(), options.pods(), options.clients()))) {
            progress.accept("lab '" + options.lab() + "' up: " + lab.pods().size() + " pods");
            Path podFile = Path.of("/run/meshlane-lab", options.lab(), "agent-pods.json");
            // every pod registered with the agent (the idle ones have no sidecar process and open no connections)
            new PodFile(Map.of("steady", true), lab.pods().stream().map(EbpfCapture::registration).map(PodRecord::of).toList())
                    .write(podFile);
            var config = EbpfCapture.config(lab.layout());
            List<String> args = new ArrayList<>(List.of("run", "--node", config.nodeName(), "--cgroup-root",
                    config.cgroupRoot().toString(), "--pods", podFile.toString(), "--metrics-port", "0"));
            args.addAll(options.controlPlaneArgs());
            Path agentLog = Path.of("/run/meshlane-lab", options.lab(), "logs", "agent.log");
            agent = new ProcessBuilder(JavaCommand.of(JavaCommand.currentClasspath(), "io.meshlane.agent.cli.AgentMain", args))
                    .redirectErrorStream(false).redirectError(agentLog.toFile()).start();
            String ready = awaitReady(agent, agentLog);
            Matcher m = METRICS_URL.matcher(ready);
            if (!m.find() || !ready.contains("pods=" + options.pods())) {
                throw new LabException("the agent did not register all " + options.pods() + " pods: " + ready);
            }
            URI metrics = URI.create(m.group(1));
            progress.accept("agent pid " + agent.pid() + ": " + ready);
            LabPod server = lab.pod("steady/server");
            List<LabPod> sidecars = new ArrayList<>(List.of(server));
            List<LoadAgentHandle> loads = new ArrayList<>();
            try {
                for (int i = 1; i <= options.clients(); i++) {
                    LabPod client = lab.pod("steady/" + clientName(i));
                    sidecars.add(client);
                    loads.add(LoadAgentHandle.start(lab, client));
                }
                Churn churn = new Churn(loads, server.ip(), options.connectionsPerSecond());
                LoadResult warm = churn.run(options.warmup());
                progress.accept(String.format("warm-up: %d connections, %d errors over %d clients", warm.requests(),
                        warm.errors(), loads.size()));
                return measure(agent, metrics, churn, sidecars);
            } finally {
                loads.forEach(LoadAgentHandle::close);
            }
        } finally {
            if (agent != null) {
                agent.destroy();
                if (!agent.waitFor(10, TimeUnit.SECONDS)) {
                    agent.destroyForcibly();
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // shutting down: the hook cleans up
            }
        }
    }

    /** The offered rate split over the client pods' load agents, run at once, their results summed. */
    private record Churn(List<LoadAgentHandle> loads, String host, int rate) {
        LoadResult run(Duration duration) {
            List<CompletableFuture<LoadResult>> each = new ArrayList<>();
            for (int i = 0; i < loads.size(); i++) {
                int share = rate / loads.size() + (i < rate % loads.size() ? 1 : 0);
                LoadAgentHandle load = loads.get(i);
                LoadSpec spec = new LoadSpec(host, BenchOptions.ECHO_PORT, 64, 1, share, duration);
                // a thread each: the common pool has one thread on 2 cores and would run the clients one after another
                each.add(CompletableFuture.supplyAsync(() -> load.churn(spec), command -> Thread.ofPlatform().daemon().start(command)));
            }
            long requests = 0;
            long errors = 0;
            long elapsed = 0;
            org.HdrHistogram.Histogram latency = LoadResult.newHistogram();
            List<String> samples = new ArrayList<>();
            for (CompletableFuture<LoadResult> f : each) {
                LoadResult r = f.join();
                requests += r.requests();
                errors += r.errors();
                elapsed = Math.max(elapsed, r.elapsedNanos());
                latency.add(r.latency());
                r.errorSamples().stream().limit(Math.max(0, 5 - samples.size())).forEach(samples::add);
            }
            return new LoadResult(requests, errors, elapsed, latency, List.copyOf(samples));
        }
    }

    private AgentSteadyStateResult measure(Process agent, URI metrics, Churn churn, List<LabPod> sidecars)
            throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long pid = agent.pid();
        ListenQueues queuesBefore = ListenQueues.read(sidecars);
        ProcSample before = ProcSample.of(pid);
        Map<String, Long> countersBefore = counters(http, metrics);
        CompletableFuture<LoadResult> running = CompletableFuture.supplyAsync(() -> churn.run(options.duration()),
                command -> Thread.ofPlatform().daemon().start(command));
        List<Long> rss = new ArrayList<>();
        int scrapes = 0;
        int scrapeErrors = 0;
        long nanos = options.scrapeInterval().toNanos();
        long next = System.nanoTime() + nanos;
        while (!running.isDone()) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    running.get(wait, TimeUnit.NANOSECONDS);
                    break;
                } catch (java.util.concurrent.TimeoutException scrapeNow) {
                    // time for the next scrape
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new LabException("the churn load failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
            next += nanos;
            try {
                scrape(http, metrics);
                scrapes++;
            } catch (IOException e) {
                scrapeErrors++;
            }
            rss.add(ProcSample.of(pid).rssBytes());
        }
        LoadResult result = running.join();
        ProcSample after = ProcSample.of(pid);
        ListenQueues queues = ListenQueues.read(sidecars).since(queuesBefore);
        Map<String, Long> growth = new java.util.TreeMap<>();
        counters(http, metrics).forEach((k, v) -> {
            long d = v - countersBefore.getOrDefault(k, 0L);
            if (d != 0) {
                growth.put(k, d);
            }
        });
        long outboundGrowth = growth.getOrDefault("connect_redirected_outbound", 0L);
        double seconds = (after.nanos() - before.nanos()) / 1e9;
        double cpuPct = 100.0 * (after.cpuTicks() - before.cpuTicks()) / ProcSample.TICKS_PER_SECOND / seconds;
        rss.add(after.rssBytes());
        long maxRss = rss.stream().mapToLong(Long::longValue).max().orElse(0);
        double medianRss = BenchReport.median(rss.stream().map(Long::doubleValue).toList());
        progress.accept(String.format("agent: RSS median %.1f MiB, max %.1f MiB, CPU %.2f %% of one core over %.0f s;"
                        + " %d connections (%d errors), connect_redirected_outbound +%d, %d scrapes", medianRss / (1 << 20),
                maxRss / (double) (1 << 20), cpuPct, seconds, result.requests(), result.errors(), outboundGrowth, scrapes));
        progress.accept(String.format("lab capacity: listen overflows +%d, listen drops +%d in %d sidecar pods%s",
                queues.totalOverflows(), queues.totalDrops(), sidecars.size(), queues.totalDrops() > 0
                        ? " -- LAB SATURATED: sidecars' accept queues overflowed; failures are the lab's, not the datapath's (try more --clients)"
                        : result.errors() > 0 ? " -- lab not saturated: the failures are the datapath's" : ""));
        return new AgentSteadyStateResult(options.pods(), options.clients(), options.connectionsPerSecond(), Math.round(result.requestsPerSecond()),
                result.requests(), result.errors(), outboundGrowth, Math.round(seconds * 10) / 10.0,
                options.scrapeInterval().toSeconds(), scrapes, scrapeErrors, !options.controlPlaneArgs().isEmpty(),
                round1(medianRss / (1 << 20)), round1(maxRss / (double) (1 << 20)), Math.round(cpuPct * 100) / 100.0,
                AgentSteadyStateResult.RSS_GOAL_MIB, AgentSteadyStateResult.CPU_GOAL_PCT, growth,
                queues.totalDrops() > 0, queues.overflows(), queues.drops(), result.errorSamples());
    }

    private static String awaitReady(Process agent, Path log) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("READY")) {
                        return line;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String line = ready.get(90, TimeUnit.SECONDS);
            if (line == null) {
                throw new LabException("the agent exited before READY; its log: " + log + "\n" + tail(log));
            }
            Thread drain = new Thread(() -> {
                try {
                    while (out.readLine() != null) {
                        // keep its stdout from filling the pipe
                    }
                } catch (IOException ignored) {
                    // agent gone
                }
            }, "agent-stdout");
            drain.setDaemon(true);
            drain.start();
            return line;
        } catch (InterruptedException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new LabException("the agent did not report READY within 90 s; its log: " + log + "\n" + tail(log), e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static String scrape(HttpClient http, URI metrics) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + metrics + " -> " + r.statusCode());
        }
        return r.body();
    }

    /** The node-wide value of every datapath counter on /metrics (the series with an empty pod label), by name. */
    private static Map<String, Long> counters(HttpClient http, URI metrics) throws InterruptedException {
        try {
            Map<String, Long> out = new java.util.TreeMap<>();
            for (String line : scrape(http, metrics).split("\n")) {
                int brace = line.indexOf('{');
                if (line.startsWith("meshlane_") && brace > 0 && line.contains("pod=\"\"")) {
                    out.merge(line.substring("meshlane_".length(), brace).replaceFirst("_total$", ""),
                            (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Long::sum);
                }
            }
            if (!out.containsKey("connect_redirected_outbound")) {
                throw new LabException("the agent's /metrics has no node-wide connect_redirected_outbound");
            }
            return out;
        } catch (IOException | NumberFormatException e) {
            throw new LabException("cannot scrape the agent's " + metrics + ": " + e.getMessage(), e);
        }
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** One look at a process in /proc: resident memory and CPU ticks (utime + stime). */
    private record ProcSample(long nanos, long rssBytes, long cpuTicks) {
        static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

        static ProcSample of(long pid) {
            try {
                long rss = 0;
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // after "pid (comm) ": state is f[0], utime f[11], stime f[12]
                return new ProcSample(System.nanoTime(), rss, Long.parseLong(f[11]) + Long.parseLong(f[12]));
            } catch (IOException | RuntimeException e) {
                throw new LabException("cannot read /proc/" + pid + " (did the agent exit?): " + e.getMessage(), e);
            }
        }
    }
}
