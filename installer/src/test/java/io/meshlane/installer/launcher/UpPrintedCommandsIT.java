package io.meshlane.installer.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code ./meshlane up} as a new user runs it, on a fresh data directory: every command it prints
 * is run exactly as printed (through bash, from the checkout) and does what its label says. The
 * switch-off sends {@code fast}'s next connection past the datapath (a connection opened from
 * inside {@code fast/client}'s network namespace and cgroup is counted as "namespace disabled",
 * not redirected), the switch-on brings it back; the dashboard's API, signed in through the
 * printed link, lists the lab's three namespaces and its switch turns {@code bookinfo} off and on
 * in the agent; the topology draws no telemetry gateway and gives TCP edges bytes/s.
 */
class UpPrintedCommandsIT {
    private static final long START_SECONDS = 300;
    private static final long EFFECT_SECONDS = 30;
    private static final Pattern LINE = Pattern.compile("^  (?:([a-zA-Z ]+):)?\\s+(.*)$");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RAN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @TempDir
    Path dir;

    @Test
    void everyCommandUpPrintsRunsAsPrintedAndDoesWhatItSays() throws Exception {
        try (Up up = Up.start(dir.resolve("data"))) {
            Map<String, List<String>> printed = up.printed();
            List<String> commands = printed.values().stream().flatMap(List::stream).filter(UpPrintedCommandsIT::isCommand).toList();
            for (String c : commands) {
                assertFalse(c.startsWith("meshlane "), "there is no meshlane on the PATH, only ./meshlane: " + c);
            }

            String namespaces = run(only(printed, "kubeconfig", "get namespaces"));
            for (String ns : List.of("fast", "plain", "bookinfo")) {
                assertTrue(Pattern.compile("(?m)^" + ns + "\\s+Active.*meshlane.io/lab=up").matcher(namespaces).find(),
                        "namespace " + ns + " is registered with the lab's labels:\n" + namespaces);
            }
            assertTrue(namespaces.contains("meshlane.io/redirection=iptables"), namespaces);
            assertTrue(run(only(printed, "kubeconfig", "get nodeaccelerations")).contains("ml-up"),
                    "the agent's NodeAcceleration is listed");

            String metricsCommand = only(printed, "metrics", "curl");
            String lab = run(only(printed, "lab", "lab status"));
            Probe probe = Probe.of(lab);

            long redirected = metric(run(metricsCommand), "meshlane_connect_redirected_outbound_total", "fast", "client");
            probe.connect();
            awaitMetric(metricsCommand, "meshlane_connect_redirected_outbound_total", "fast", "client", v -> v > redirected,
                    "before the switch-off a new connection of fast/client is redirected to its sidecar");

            run(only(printed, "switch off", "apply"));
            awaitMetric(metricsCommand, "meshlane_namespace_accelerated", "fast", null, v -> v == 0,
                    "the printed switch-off reaches the agent");
            assertEquals(1, metric(run(metricsCommand), "meshlane_namespace_accelerated", "bookinfo", null), "bookinfo stays on");
            String before = run(metricsCommand);
            long disabledBefore = metric(before, "meshlane_pass_ns_disabled_total", "fast", "client");
            long redirectedBefore = metric(before, "meshlane_connect_redirected_outbound_total", "fast", "client");
            probe.connect();
            awaitMetric(metricsCommand, "meshlane_pass_ns_disabled_total", "fast", "client", v -> v > disabledBefore,
                    "after the switch-off fast/client's new connection passes the datapath as 'namespace disabled'");
            assertEquals(redirectedBefore, metric(run(metricsCommand), "meshlane_connect_redirected_outbound_total", "fast", "client"),
                    "no connection of fast/client is redirected while fast is switched off");
            String agent = run(only(printed, "agent", "agent status"));
            assertTrue(agent.contains("ACCELERATING"), "the printed agent status reads the datapath:\n" + agent);

            run(only(printed, "switch on", "delete"));
            awaitMetric(metricsCommand, "meshlane_namespace_accelerated", "fast", null, v -> v == 1,
                    "the printed switch-on brings fast back");

            Dashboard dashboard = Dashboard.signIn(only(printed, "dashboard", "?token="), up.ca());
            JsonNode listed = dashboard.call("GET", "namespaces", null);
            Set<String> names = new TreeSet<>();
            listed.path("namespaces").forEach(n -> names.add(n.path("name").asText()));
            assertTrue(names.containsAll(Set.of("fast", "plain", "bookinfo")), "the dashboard lists the lab's namespaces: " + names);
            assertEquals("Disabled", dashboard.call("PUT", "namespaces/bookinfo/acceleration", "{\"enabled\":false}")
                    .path("acceleration").asText());
            awaitMetric(metricsCommand, "meshlane_namespace_accelerated", "bookinfo", null, v -> v == 0,
                    "the dashboard's switch turns bookinfo off in the agent");
            assertEquals("Enabled", dashboard.call("PUT", "namespaces/bookinfo/acceleration", "{\"enabled\":true}")
                    .path("acceleration").asText());
            awaitMetric(metricsCommand, "meshlane_namespace_accelerated", "bookinfo", null, v -> v == 1,
                    "the dashboard's switch turns bookinfo on again");

            JsonNode[] topology = new JsonNode[1];
            await(() -> {
                topology[0] = dashboard.call("GET", "topology", null);
                return tcpEdge(topology[0], "local/fast/load->local/fast/echo") != null
                        && tcpEdge(topology[0], "local/fast/load->local/fast/echo").path("tcpBytesPerSecond").asDouble() > 0;
            }, "the fast echo's TCP edge carries bytes/s");
            for (JsonNode node : topology[0].path("nodes")) {
                assertFalse(node.path("namespace").asText().equals("meshlane-lab"), "the lab's telemetry gateway is no mesh service: " + node);
            }
            assertTrue(topology[0].path("nodes").toString().contains("productpage"), "bookinfo is drawn");

            List<String> unchecked = commands.stream().filter(c -> !RAN.contains(c)).toList();
            assertEquals(List.of(), unchecked, "every printed command is run and checked here; a new one needs its check");
        }
    }

    private static JsonNode tcpEdge(JsonNode topology, String id) {
        for (JsonNode e : topology.path("edges")) {
            if (e.path("id").asText().equals(id)) {
                return e;
            }
        }
        return null;
    }

    private static boolean isCommand(String value) {
        return value.matches("^(kubectl|curl|echo|\\./meshlane|/\\S*meshlane) .*");
    }

    /** The one command printed under {@code label} that contains {@code part}. */
    private static String only(Map<String, List<String>> printed, String label, String part) {
        List<String> found = printed.getOrDefault(label, List.of()).stream().filter(v -> v.contains(part)).toList();
        assertEquals(1, found.size(), "one '" + part + "' under '" + label + "' in " + printed);
        return found.getFirst();
    }

    /** Runs a printed command as a user pasting it into bash in the checkout would. */
    private static String run(String command) throws Exception {
        RAN.add(command);
        Process p = new ProcessBuilder("bash", "-c", command).directory(Up.root().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("printed command did not finish in 120 s: " + command);
        }
        assertEquals(0, p.exitValue(), "printed command failed: " + command + "\n" + out);
        return out;
    }

    /** A sample of {@code name} with the given namespace (and pod, when not null) from Prometheus text. */
    private static long metric(String text, String name, String namespace, String pod) {
        Pattern sample = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$");
        Matcher m = sample.matcher(text);
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("namespace=\"" + namespace + "\"") && (pod == null || labels.contains("pod=\"" + pod + "\""))) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        fail("no " + name + " for " + namespace + "/" + pod + " in the agent's metrics");
        return -1;
    }

    private static void awaitMetric(String metricsCommand, String name, String namespace, String pod,
                                    java.util.function.LongPredicate wanted, String what) throws Exception {
        long[] last = {-1};
        await(() -> {
            try {
                last[0] = metric(run(metricsCommand), name, namespace, pod);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return wanted.test(last[0]);
        }, what + " (" + name + " is " + last[0] + ")");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EFFECT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(250);
        }
        fail("not within " + EFFECT_SECONDS + " s: " + what);
    }

    /** A new TCP connection from fast/client to fast/server, opened by a process inside the pod's netns and cgroup. */
    private record Probe(String netns, Path cgroup, String server) {
        static Probe of(String labStatus) {
            Matcher header = Pattern.compile("cgroups (\\S+)").matcher(labStatus);
            assertTrue(header.find(), "lab status names the lab's cgroups:\n" + labStatus);
            Matcher client = Pattern.compile("(?m)^fast/client\\s+\\S+\\s+ebpf\\s+yes\\s+(\\S+)").matcher(labStatus);
            Matcher server = Pattern.compile("(?m)^fast/server\\s+(\\S+)\\s").matcher(labStatus);
            assertTrue(client.find() && server.find(), "lab status lists fast/client and fast/server:\n" + labStatus);
            return new Probe(client.group(1), Path.of(header.group(1), "ebpf", "fast.client"), server.group(1));
        }

        void connect() throws Exception {
            assertTrue(Files.isDirectory(cgroup), "fast/client's cgroup " + cgroup);
            // join the cgroup first: `ip netns exec` mounts its own /sys, and the membership survives the exec
            String connect = "exec 3<>/dev/tcp/" + server + "/8080 && printf ping >&3 && exec 3>&-";
            String script = "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec ip netns exec " + netns + " bash -c '" + connect + "'";
            Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "probe connection hung");
            assertEquals(0, p.exitValue(), "a connection from fast/client to " + server + ":8080 opens: " + out);
        }
    }

    /** The dashboard's JSON API with the session cookie the printed link sets, as the page calls it. */
    private record Dashboard(HttpClient http, String base, String cookie) {
        static Dashboard signIn(String link, Path ca) throws Exception {
            HttpClient http = HttpClient.newBuilder().sslContext(ApiClient.trusting(ca)).followRedirects(HttpClient.Redirect.NEVER).build();
            HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(URI.create(link)).build(), HttpResponse.BodyHandlers.ofString());
            String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow(
                    () -> new AssertionError("the printed dashboard link signs in (HTTP " + signIn.statusCode() + ")"));
            URI uri = URI.create(link);
            Dashboard d = new Dashboard(http, uri.getScheme() + "://" + uri.getAuthority(), cookie.split(";", 2)[0]);
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(d.base + "/dashboard/")).header("Cookie", d.cookie).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), "the signed-in browser gets the dashboard");
            return d;
        }

        JsonNode call(String method, String path, String body) {
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/telemetry/v1/" + path))
                        .header("Cookie", cookie).header("Accept", "application/json");
                if (body != null) {
                    request.header("Content-Type", "application/json");
                }
                HttpResponse<String> response = http.send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), method + " " + path + ": " + response.body());
                return JSON.readTree(response.body());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(method + " " + path + ": " + e.getMessage(), e);
            }
        }
    }

    /** One {@code ./meshlane up} on free ports; closing it sends SIGTERM (a background job ignores SIGINT). */
    private record Up(Process process, Path log, Path data) implements AutoCloseable {
        static Path root() {
            return Path.of("").toAbsolutePath().getParent();
        }

        static Up start(Path data) throws Exception {
            Path launcher = root().resolve("meshlane");
            assertTrue(Files.isExecutable(launcher), "the launcher at " + launcher);
            Files.createDirectories(data);
            Path log = data.getParent().resolve("up.log");
            Process p = new ProcessBuilder("./meshlane", "up", "--data-dir", data.toString(),
                    "--port", String.valueOf(FreePorts.pick()), "--agent-port", String.valueOf(FreePorts.pick()),
                    "--xds-port", String.valueOf(FreePorts.pick()), "--metrics-port", String.valueOf(FreePorts.pick()),
                    "--otlp-grpc-port", String.valueOf(FreePorts.pick()), "--otlp-http-port", String.valueOf(FreePorts.pick()),
                    "--compare-for", "PT1S")
                    .directory(root().toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Up up = new Up(p, log, data);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
            while (System.nanoTime() < deadline) {
                if (Files.readString(log).contains("Ctrl-C stops everything")) {
                    return up;
                }
                if (!p.isAlive()) {
                    fail("./meshlane up exited with " + p.exitValue() + ":\n" + Files.readString(log));
                }
                Thread.sleep(500);
            }
            up.close();
            fail("./meshlane up was not up within " + START_SECONDS + " s:\n" + Files.readString(log));
            return null;
        }

        Path ca() {
            return data.resolve("ca.crt");
        }

        /** What follows "meshlane is up.": label → its values (a label's continuation lines included). */
        Map<String, List<String>> printed() throws IOException {
            String text = Files.readString(log);
            int from = text.indexOf("meshlane is up.");
            assertTrue(from >= 0, text);
            Map<String, List<String>> printed = new LinkedHashMap<>();
            String label = null;
            for (String line : text.substring(from).lines().skip(1).toList()) {
                if (line.startsWith("Ctrl-C")) {
                    break;
                }
                Matcher m = LINE.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                if (m.group(1) != null) {
                    label = m.group(1).strip();
                }
                printed.computeIfAbsent(label, l -> new ArrayList<>()).add(m.group(2).strip());
            }
            return printed;
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("./meshlane up did not stop within 90 s of SIGTERM:\n" + Files.readString(log));
            }
            String text = Files.readString(log);
            assertTrue(text.contains("stopped and cleaned up"), "up cleans up on SIGTERM:\n" + text);
        }
    }
}
