package io.meshlane.control.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A real etcd (Debian's etcd-server, /usr/bin/etcd) on loopback with random ports and a temp data dir. */
public final class EtcdServer implements AutoCloseable {

    private final Process process;
    private final Path dataDir;
    private final String endpoint;

    private EtcdServer(Process process, Path dataDir, String endpoint) {
        this.process = process;
        this.dataDir = dataDir;
        this.endpoint = endpoint;
    }

    public static EtcdServer start() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/etcd"))) {
            throw new IllegalStateException("/usr/bin/etcd is missing: install it with `apt-get install -y etcd-server`");
        }
        Path dir = Files.createTempDirectory("meshlane-etcd");
        int client = FreePorts.pick();
        int peer = FreePorts.pick();
        String endpoint = "http://127.0.0.1:" + client;
        Process p = new ProcessBuilder("/usr/bin/etcd", "--name", "test", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-cluster", "test=http://127.0.0.1:" + peer, "--log-level", "error")
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        EtcdServer server = new EtcdServer(p, dir, endpoint);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("true")) {
                    return server;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        String log = Files.exists(dir.resolve("etcd.log")) ? Files.readString(dir.resolve("etcd.log")) : "";
        server.close();
        throw new IllegalStateException("etcd did not become healthy at " + endpoint + ": " + log);
    }

    public String endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TempDirs.delete(dataDir);
    }
}
