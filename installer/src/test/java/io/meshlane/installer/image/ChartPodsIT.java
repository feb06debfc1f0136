package io.meshlane.installer.image;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.meshlane.agent.datapath.PodRecord;
import io.meshlane.agent.datapath.PodRegistration;
import io.meshlane.agent.pods.PodFile;
import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.Streams;
import io.meshlane.agent.testnode.TestNode;
import io.meshlane.agent.testnode.apps.EchoServer;
import io.meshlane.agent.testnode.apps.OrigDstRelay;
import io.meshlane.agent.testnode.apps.StreamClient;
import io.meshlane.control.testing.FreePorts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.meshlane.installer.image.ImagesIT.awaitKubeconfig;
import static io.meshlane.installer.image.ImagesIT.awaitLine;
import static io.meshlane.installer.image.ImagesIT.one;
import static io.meshlane.installer.image.ImagesIT.podman;
import static io.meshlane.installer.image.ImagesIT.rendered;
import static io.meshlane.installer.image.ImagesIT.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's two pods run for real from their images, each container a podman run derived from the rendered
 * manifests ({@link PodRun}): mesh-control from the Deployment (its PVC a directory here, its ports moved to free
 * loopback ports because both share the host's network), its join token from a second run of the same image on the
 * same volume, and the agent from the DaemonSet, pointed at it through the chart's own trust Secret. The node is a
 * {@link TestNode} (a cgroup subtree, one network namespace, pod addresses on its loopback): it installs nothing, so
 * the agent container owns the datapath; pods reach the agent through the lab's pod file on the state hostPath,
 * the one departure from the rendered spec (no kubelet or Kubernetes API runs here).
 */
class ChartPodsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long BYTES = 256 * 1024;
    private static final String CLIENT_IP = "10.244.9.2";
    private static final String SERVER_IP = "10.244.9.3";

    @TempDir
    Path dir;

    private final long started = System.nanoTime();
    private final String prefix = "meshlane-it-pods-" + ProcessHandle.current().pid() + "-";
    private int metricsPort;

    @BeforeAll
    static void images() throws Exception {
        ImagesIT.buildImages();
    }

    @Test
    void kubectlTogglesTheContainerisedAgentWhichUpgradesWithoutLossAndUninstallsToNothing() throws Exception {
        Set<String> tablesBefore = nftTables();
        String upgradeTag = ImagesIT.version + "-it-upgrade-" + ProcessHandle.current().pid();
        String nodeName = null;
        try (TestNode node = new TestNode()) {
            nodeName = node.nodeName();
            Path client = node.pod("client", CLIENT_IP);
            Path server = node.pod("server", SERVER_IP);
            Path state = Files.createDirectories(dir.resolve("state"));
            new PodFile(Map.of(), List.of(record("shop", "client", client, CLIENT_IP, true), record("shop", "server", server, SERVER_IP, false)))
                    .write(state.resolve("pods.json"));

            // mesh-control from the Deployment, on this host's loopback
            Path data = Files.createDirectories(dir.resolve("control-data"));
            int agentsPort = FreePorts.pick();
            List<HasMetadata> controlObjects = rendered(List.of(Map.entry("agent.enabled", "false")), Map.of());
            PodSpec controlPod = one(controlObjects, Deployment.class).getSpec().getTemplate().getSpec();
            PodRun.Host controlHost = new PodRun.Host(node.nodeName(), Map.of(), List.of(), null,
                    Map.of("meshlane-control-data", data), Map.of("--listen", "127.0.0.1:" + FreePorts.pick(),
                    "--agents-port", String.valueOf(agentsPort), "--xds-port", String.valueOf(FreePorts.pick()),
                    "--otlp-grpc-port", "-1", "--otlp-http-port", "-1")); // no telemetry here: the receivers add seconds to startup
            Container control = controlPod.getContainers().getFirst();
            Path controlLog = dir.resolve("control.log");
            Process controlProcess = podman(PodRun.of(prefix + "control", controlPod, control, controlHost).command())
                    .redirectErrorStream(true).redirectOutput(controlLog.toFile()).start();
            Path kubeconfig = awaitKubeconfig(controlProcess, controlLog, data);

            step("control printed its kubeconfig");
            // the join token, made by the control image itself on the control plane's volume
            Container tokenCreate = new io.fabric8.kubernetes.api.model.ContainerBuilder(control)
                    .withArgs("token", "create", "--data-dir=/var/lib/meshlane", "--cluster=local", "--ttl=10m").build();
            Path token = dir.resolve("join-token");
            Files.writeString(token, stdout(PodRun.of(prefix + "token", controlPod, tokenCreate, controlHost).command()).strip());

            step("token created");
            // the agent from the DaemonSet, trusting the control plane through the chart's Secret
            metricsPort = FreePorts.pick();
            List<Map.Entry<String, String>> agentValues = new ArrayList<>(List.of(Map.entry("control.enabled", "false"),
                    Map.entry("controlPlane.address", "localhost:" + agentsPort),
                    Map.entry("datapath.cgroupRoot", node.cgroupRoot().toString()),
                    Map.entry("agent.httpPort", String.valueOf(metricsPort))));
            Map<String, Path> trustFiles = Map.of("controlPlane.ca", data.resolve("ca.crt"), "controlPlane.joinToken", token);
            String firstReady = startAgent(prefix + "agent-1", rendered(agentValues, trustFiles), state, node.nodeName());
            assertTrue(firstReady.contains("mode=ACCELERATING") && firstReady.contains("pods=2"), firstReady);
            Path pins = Path.of("/sys/fs/bpf/meshlane/" + node.nodeName());
            assertTrue(Files.isDirectory(pins), "the containerised agent pinned its state under " + pins);

            step("agent ready");
            node.start("echo", server, 1000, EchoServer.class, "8080").awaitPrefix("LISTENING", WAIT);
            node.start("sidecar", client, 1337, OrigDstRelay.class, "--listen", "127.0.0.1:15001").awaitPrefix("LISTENING", WAIT);

            // accelerated by default: the connection goes to the sidecar and its messages skip the TCP stack
            Map<String, Double> before = metrics();
            Streams.assertIntact(stream(node, client, "first", BYTES, "0"), BYTES, WAIT);
            Map<String, Double> after = metrics();
            assertEquals(1, delta(before, after, "connect_redirected_outbound"), "redirected to the sidecar");
            assertTrue(delta(before, after, "msg_redirected") > 0, "sk_msg short-circuited the stream's messages");

            step("accelerated stream intact");
            // kubectl against the containerised control plane switches the namespace off on the containerised agent
            kubectl(kubeconfig, "create", "namespace", "shop");
            Path off = policy("Disabled");
            assertTrue(kubectl(kubeconfig, "apply", "-f", off.toString()).contains("created"));
            awaitShop(0);
            before = metrics();
            Streams.assertIntact(stream(node, client, "while-off", BYTES, "0"), BYTES, WAIT);
            after = metrics();
            assertEquals(0, delta(before, after, "connect_redirected_outbound"), "no redirect while the namespace is off");
            assertEquals(1, delta(before, after, "pass_ns_disabled"), "passed because the namespace is off");
            assertTrue(kubectl(kubeconfig, "apply", "-f", policy("Enabled").toString()).contains("configured"));
            awaitShop(1);

            step("namespace toggled off and on");
            // the upgrade: the agent container replaced by one from a new image tag while a stream runs
            run(List.of("podman", "tag", "localhost/meshlane/node-agent:" + ImagesIT.version, "localhost/meshlane/node-agent:" + upgradeTag), 30);
            long running = 4L << 20;
            PodProcess across = stream(node, client, "across-upgrade", running, "20");
            across.awaitPrefix("CONNECTED", WAIT);
            double redirectedBefore = metrics().get("msg_redirected{namespace=\"\",pod=\"\"}");
            run(List.of("podman", "stop", "-t", "20", prefix + "agent-1"), 40);
            assertFalse(Files.readString(dir.resolve(prefix + "agent-1.log")).contains("removed"), "a stopping agent leaves the datapath");
            assertTrue(Files.isDirectory(pins), "the pins outlive the agent container");
            // `helm upgrade --set images.tag=… --set datapath.uninstallOnShutdown=true`: the chart's uninstall path armed
            agentValues.add(Map.entry("images.tag", upgradeTag));
            agentValues.add(Map.entry("datapath.uninstallOnShutdown", "true"));
            List<HasMetadata> upgraded = rendered(agentValues, trustFiles);
            assertEquals("meshlane/node-agent:" + upgradeTag, one(upgraded, DaemonSet.class).getSpec().getTemplate().getSpec()
                    .getContainers().getFirst().getImage());
            step("old agent stopped");
            String secondReady = startAgent(prefix + "agent-2", upgraded, state, node.nodeName());
            assertEquals(programs(firstReady), programs(secondReady), "the upgraded agent adopted the pinned programs:\n"
                    + firstReady + "\n" + secondReady);
            assertTrue(across.lines().stream().noneMatch(l -> l.startsWith("DONE")),
                    "the stream was still running when the new agent was ready (lengthen it if this fails): " + across.lines());
            Streams.assertIntact(across, running, Duration.ofSeconds(60));
            // the node's total, from the adopted counter map (the new agent's per-pod series restart at 0 and do not
            // count a connection made before it: see the report)
            double redirectedAfter = metrics().get("msg_redirected{namespace=\"\",pod=\"\"}");
            assertTrue(redirectedAfter > redirectedBefore,
                    "the adopted datapath kept short-circuiting the running stream: " + redirectedBefore + " then " + redirectedAfter);

            step("upgraded agent adopted, stream intact");
            // the chart's uninstall path: the pod goes, its agent removes every program, link, map and pin
            Set<String> maps = mapIds(programs(secondReady));
            run(List.of("podman", "stop", "-t", "20", prefix + "agent-2"), 40);
            assertTrue(Files.readString(dir.resolve(prefix + "agent-2.log")).contains("meshlane datapath for node " + node.nodeName() + " removed"),
                    Files.readString(dir.resolve(prefix + "agent-2.log")));
            assertFalse(Files.exists(pins), "no pin left under " + pins);
            assertEquals("", run(List.of("bpftool", "cgroup", "show", node.cgroupRoot().toString()), 10).strip(), "no program attached");
            // programs and maps the kernel still holds after the pins and links are gone: printed, not asserted (yet):
            // on this kernel something keeps a few alive for longer than 10 s (see the issue 13 report)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<String> lingering = lingering(programs(secondReady), maps);
            while (!lingering.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(200);
                lingering = lingering(programs(secondReady), maps);
            }
            System.out.println("ChartPodsIT after uninstall, still held by the kernel: " + lingering);
            String links = run(List.of("bpftool", "link", "show"), 10);
            for (String id : programs(secondReady)) {
                assertFalse(links.contains("prog " + id + "\n") || links.contains("prog " + id + " "), "no link left on program " + id + ":\n" + links);
            }
            step("uninstalled");
        } finally {
            cleanup(upgradeTag, nodeName, tablesBefore);
        }
    }

    private String startAgent(String name, List<HasMetadata> objects, Path state, String nodeName) throws Exception {
        PodSpec pod = one(objects, DaemonSet.class).getSpec().getTemplate().getSpec();
        Container agent = pod.getContainers().getFirst();
        agent.getArgs().add("--pods=/run/meshlane/pods.json");
        List<Secret> secrets = objects.stream().filter(Secret.class::isInstance).map(Secret.class::cast).toList();
        PodRun.Host host = new PodRun.Host(nodeName, Map.of("/run/meshlane", state.toString()), secrets,
                Files.createDirectories(dir.resolve("secrets-" + name)), Map.of(), Map.of());
        Path log = dir.resolve(name + ".log");
        Process p = podman(PodRun.of(name, pod, agent, host).command()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return awaitLine(p, log, "READY ");
    }

    private void cleanup(String upgradeTag, String nodeName, Set<String> tablesBefore) throws Exception {
        try (var logs = Files.newDirectoryStream(dir, "*.log")) {
            for (Path log : logs) { // kept in the test's output: the temporary directory goes with the test
                List<String> lines = Files.readAllLines(log);
                System.out.println("---- " + log.getFileName() + " (last 40 lines)");
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
            }
        }
        String names = new String(podman(List.of("podman", "ps", "-a", "--filter", "name=" + prefix, "--format", "{{.Names}}"))
                .start().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        for (String name : names.strip().lines().filter(l -> !l.isBlank()).toList()) {
            podman(List.of("podman", "rm", "-f", "-t", "2", name)).start().waitFor(30, TimeUnit.SECONDS);
        }
        podman(List.of("podman", "rmi", "localhost/meshlane/node-agent:" + upgradeTag)).start().waitFor(30, TimeUnit.SECONDS);
        if (nodeName != null && Files.exists(Path.of("/sys/fs/bpf/meshlane/" + nodeName))) {
            new ProcessBuilder("rm", "-rf", "/sys/fs/bpf/meshlane/" + nodeName).start().waitFor();
        }
        // host network only, so podman should make no NAT tables; if netavark made some anyway, they go
        for (String table : nftTables()) {
            if (!tablesBefore.contains(table) && (table.equals("ip nat") || table.equals("ip filter") || table.contains("netavark"))) {
                System.err.println("removing nft table " + table + " podman left in the root netns");
                new ProcessBuilder(List.of("nft", "delete", "table", table.split(" ")[0], table.split(" ")[1])).start().waitFor();
            }
        }
    }

    private static Set<String> nftTables() throws Exception {
        Process p = new ProcessBuilder("nft", "list", "tables").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Set<String> tables = new HashSet<>();
        out.lines().filter(l -> l.startsWith("table ")).forEach(l -> tables.add(l.substring("table ".length()).strip()));
        return tables;
    }

    /** The containerised agent's /metrics: counter and gauge samples by name without meshlane_ and _total, with labels. */
    private Map<String, Double> metrics() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Double> samples = new java.util.HashMap<>();
        Matcher m = Pattern.compile("(?m)^meshlane_(\\w+?)(?:_total)?(\\{[^}]*}) (\\S+)$").matcher(r.body());
        while (m.find()) {
            samples.put(m.group(1) + m.group(2), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    /** Waits until the agent's /metrics shows namespace shop accelerated (1) or not (0). */
    private void awaitShop(double accelerated) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, Double> seen = metrics();
        while (!Double.valueOf(accelerated).equals(seen.get("namespace_accelerated{namespace=\"shop\"}"))) {
            assertTrue(System.nanoTime() < deadline, "namespace shop never became accelerated=" + accelerated + ": " + seen);
            Thread.sleep(100);
            seen = metrics();
        }
    }

    private void step(String what) {
        System.out.printf("ChartPodsIT +%d ms: %s%n", (System.nanoTime() - started) / 1_000_000, what);
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String counter) {
        String key = counter + "{namespace=\"shop\",pod=\"client\"}";
        return after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
    }

    private static PodProcess stream(TestNode node, Path client, String label, long bytes, String pauseMillis) {
        return node.start(label, client, 1000, StreamClient.class, SERVER_IP, "8080", Long.toString(bytes), "8192", pauseMillis, "");
    }

    private Path policy(String acceleration) throws Exception {
        return Files.writeString(dir.resolve("policy-" + acceleration + ".yaml"), """
                apiVersion: meshlane.io/v1alpha1
                kind: AccelerationPolicy
                metadata:
                  name: shop
                  namespace: shop
                spec:
                  acceleration: %s
                """.formatted(acceleration));
    }

    private static List<String> programs(String ready) {
        Matcher m = Pattern.compile("programs=\\{([^}]*)}").matcher(ready);
        assertTrue(m.find(), ready);
        return Pattern.compile("=(\\d+)").matcher(m.group(1)).results().map(r -> r.group(1)).sorted().toList();
    }

    private static Set<String> mapIds(List<String> programs) throws Exception {
        Set<String> maps = new HashSet<>();
        for (String id : programs) {
            Matcher m = Pattern.compile("\"map_ids\":\\[([^]]*)]").matcher(run(List.of("bpftool", "-j", "prog", "show", "id", id), 10));
            if (m.find() && !m.group(1).isBlank()) {
                maps.addAll(List.of(m.group(1).split(",")));
            }
        }
        assertFalse(maps.isEmpty(), "the programs " + programs + " use maps");
        return maps;
    }

    private static List<String> lingering(List<String> programs, Set<String> maps) {
        List<String> left = new ArrayList<>();
        programs.stream().filter(id -> exists("prog", id)).forEach(id -> left.add("prog " + id));
        maps.stream().filter(id -> exists("map", id)).forEach(id -> left.add("map " + id));
        return left;
    }

    private static boolean exists(String kind, String id) {
        try {
            return new ProcessBuilder("bpftool", kind, "show", "id", id).redirectErrorStream(true).start().waitFor() == 0;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String stdout(List<String> command) throws Exception {
        Process p = podman(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
        return out;
    }

    private static String kubectl(Path kubeconfig, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        return run(command, 30);
    }

    private static PodRecord record(String namespace, String name, Path cgroup, String ip, boolean sidecar) throws Exception {
        return PodRecord.of(new PodRegistration(namespace, name, cgroup, List.of(InetAddress.getByName(ip)), sidecar,
                1337, 15001, 15006, Set.of(), List.of()));
    }
}
