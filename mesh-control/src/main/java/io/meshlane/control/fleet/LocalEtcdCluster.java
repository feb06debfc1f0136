package io.meshlane.control.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Members of one etcd cluster on loopback, each a Debian etcd-server process ({@code /usr/bin/etcd})
 * with its own data directory under {@code dir}: what {@code meshlane control --etcd-cluster N}
 * runs for users and what tests run to fail members one by one. A member stopped and started again
 * keeps its data directory, so it rejoins the cluster it was in.
 */
public final class LocalEtcdCluster implements AutoCloseable {

    private static final Path ETCD = Path.of("/usr/bin/etcd");
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(60);

    /** Client and peer port of one member. */
    public record Ports(int client, int peer) {
    }

    private final Path dir;
    private final List<Ports> ports;
    private final Process[] members;

    private LocalEtcdCluster(Path dir, List<Ports> ports) {
        this.dir = dir;
        this.ports = List.copyOf(ports);
        this.members = new Process[ports.size()];
    }

    /** Starts one member per entry of {@code ports} and returns once every one of them reports healthy. */
    public static LocalEtcdCluster start(Path dir, List<Ports> ports) {
        if (!Files.isExecutable(ETCD)) {
            throw new IllegalStateException(ETCD + " is missing: install it with `apt-get install -y etcd-server`");
        }
        LocalEtcdCluster cluster = new LocalEtcdCluster(dir.toAbsolutePath(), ports);
        try {
            for (int i = 0; i < ports.size(); i++) {
                cluster.launch(i);
            }
            for (int i = 0; i < ports.size(); i++) {
                cluster.awaitHealthy(i);
            }
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private String name(int member) {
        return "member-" + member;
    }

    private static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    private void launch(int member) {
        Ports p = ports.get(member);
        String initial = IntStream.range(0, ports.size()).mapToObj(i -> name(i) + "=" + url(ports.get(i).peer()))
                .collect(Collectors.joining(","));
        Path data = dir.resolve(name(member));
        try {
            Files.createDirectories(data);
            members[member] = new ProcessBuilder(ETCD.toString(), "--name", name(member), "--data-dir", data.resolve("data").toString(),
                    "--listen-client-urls", url(p.client()), "--advertise-client-urls", url(p.client()),
                    "--listen-peer-urls", url(p.peer()), "--initial-advertise-peer-urls", url(p.peer()),
                    "--initial-cluster", initial, "--initial-cluster-token", "meshlane-" + dir.getFileName(),
                    "--initial-cluster-state", "new", "--log-level", "error", "--logger", "zap")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log(member).toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start etcd " + name(member) + " in " + data + ": " + e.getMessage(), e);
        }
    }

    private Path log(int member) {
        return dir.resolve(name(member)).resolve("etcd.log");
    }

    private void awaitHealthy(int member) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String endpoint = url(ports.get(member).client());
        long deadline = System.nanoTime() + HEALTHY_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("true")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd " + name(member), e);
            }
            if (!members[member].isAlive()) {
                break;
            }
            sleep(100);
        }
        String log;
        try {
            log = Files.readString(log(member));
        } catch (IOException e) {
            log = "(no log: " + e.getMessage() + ")";
        }
        throw new IllegalStateException("etcd " + name(member) + " did not become healthy at " + endpoint + " within "
                + HEALTHY_WITHIN.toSeconds() + " s (are its ports " + ports.get(member) + " free?):\n" + log);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The client URLs of every member, in member order. */
    public List<String> endpoints() {
        return ports.stream().map(p -> url(p.client())).toList();
    }

    public int size() {
        return ports.size();
    }

    /** Stops member {@code member} (SIGTERM, then SIGKILL after 10 s); its data stays for {@link #restart}. */
    public void stop(int member) {
        Process p = members[member];
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        members[member] = null;
    }

    /** Starts a stopped member again on its data directory; returns without waiting (it needs a quorum to report healthy). */
    public void restart(int member) {
        if (members[member] == null) {
            launch(member);
        }
    }

    /** Waits until {@code member} reports healthy (it has a leader). */
    public void awaitMember(int member) {
        awaitHealthy(member);
    }

    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        for (int i = 0; i < members.length; i++) {
            try {
                stop(i);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }
}
