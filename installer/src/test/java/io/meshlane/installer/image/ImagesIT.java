package io.meshlane.installer.image;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.meshlane.control.testing.FreePorts;
import io.meshlane.installer.chart.Chart;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The images {@code ./meshlane image} builds, run in Debian's podman as the chart's pods would run them: the
 * agent's preflight init container and the control plane's container, each a podman run derived from the rendered
 * chart (see {@link PodRun}). The images are built once per run; an unchanged input reuses podman's layers.
 */
class ImagesIT {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String PODMAN_CONF = ROOT.resolve("installer/src/main/podman/containers.conf").toString();
    private static final Pattern KUBECONFIG = Pattern.compile("kubectl --kubeconfig (\\S+) get namespaces");
    static String version;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildImages() throws Exception {
        if (version != null) {
            return; // built in this JVM already (another IT of this package)
        }
        String out = run(List.of(ProcessHandle.current().info().command().orElse("java"), "-Dmeshlane.home=" + ROOT, "-cp",
                ROOT.resolve("installer/target/installer-0.1.0-SNAPSHOT.jar") + ":" + ROOT.resolve("installer/target/lib") + "/*",
                "io.meshlane.installer.cli.Main", "image"), 600);
        Matcher m = Pattern.compile("meshlane/node-agent:(\\S+) ").matcher(out);
        assertTrue(m.find(), "./meshlane image names the agent image:\n" + out);
        version = m.group(1);
    }

    @Test
    void bothImagesAreInPodmansStoreWithinTheirSizeTargets() throws Exception {
        String listed = run(List.of("podman", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"), 30);
        for (String image : List.of("localhost/meshlane/node-agent:" + version, "localhost/meshlane/mesh-control:" + version)) {
            assertTrue(listed.contains(image), "podman image ls lists " + image + ":\n" + listed);
        }
        assertTrue(sizeMiB("node-agent") <= 150, "agent image " + sizeMiB("node-agent") + " MiB > 150");
        assertTrue(sizeMiB("mesh-control") <= 200, "control image " + sizeMiB("mesh-control") + " MiB > 200");
        assertTrue(Files.size(ROOT.resolve("installer/target/images/node-agent-" + version + ".oci.tar")) > 0);
        assertTrue(Files.size(ROOT.resolve("installer/target/images/mesh-control-" + version + ".oci.tar")) > 0);
    }

    @Test
    void theRenderedPreflightInitContainerReportsTheKernelFromTheAgentImage() throws Exception {
        PodSpec pod = rendered(DaemonSet.class, List.of(Map.entry("datapath.required", "true"))).getSpec().getTemplate().getSpec();
        Container preflight = pod.getInitContainers().getFirst();
        assertEquals("meshlane/node-agent:" + version, preflight.getImage(), "the chart names the image ./meshlane image built");
        String name = "meshlane-it-preflight-" + ProcessHandle.current().pid();
        String out = run(PodRun.of(name, pod, preflight, "it-node", Map.of()).command(), 120);
        assertTrue(out.contains("The eBPF datapath can run on this node."), out);
        assertTrue(out.contains("privileges (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN)") && !out.contains("missing"),
                "the chart's capabilities are enough for every check:\n" + out);
    }

    @Test
    void theControlImageRunsAsItsNonRootUserAndAnswersKubectl() throws Exception {
        PodSpec pod = rendered(Deployment.class, List.of()).getSpec().getTemplate().getSpec();
        Container control = pod.getContainers().getFirst();
        assertEquals("meshlane/mesh-control:" + version, control.getImage());
        assertEquals(65532L, pod.getSecurityContext().getRunAsUser(), "the chart runs mesh-control as the image's non-root user");
        Path data = Files.createDirectories(dir.resolve("data"));
        run(List.of("chown", "65532:65532", data.toString()), 10);
        String name = "meshlane-it-control-" + ProcessHandle.current().pid();
        // the rendered container's own args bind the cluster's addresses; here it listens on the host's loopback
        List<String> command = new ArrayList<>(List.of("podman", "run", "--rm", "--name", name, "--network=host",
                "--user=65532:65532", "--read-only", "--tmpfs=/tmp", "--cap-drop=ALL", "--volume=" + data + ":/var/lib/meshlane:rw",
                "localhost/" + control.getImage(), "--data-dir", "/var/lib/meshlane", "--listen", "127.0.0.1:" + FreePorts.pick(),
                "--agents-port", String.valueOf(FreePorts.pick()), "--xds-port", String.valueOf(FreePorts.pick()),
                "--otlp-grpc-port", "-1", "--otlp-http-port", "-1"));
        Path log = dir.resolve("control.log");
        Process p = podman(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Path kubeconfig = awaitKubeconfig(p, log, data);
            run(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "create", "namespace", "from-the-image"), 30);
            String ns = run(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "get", "namespace", "from-the-image", "-o", "name"), 30);
            assertEquals("namespace/from-the-image", ns.strip());
            String owner = run(List.of("stat", "-c", "%u", data.resolve("ca.crt").toString()), 10).strip();
            assertEquals("65532", owner, "the control plane wrote its data as uid 65532");
        } finally {
            podman(List.of("podman", "rm", "-f", "-t", "2", name)).start().waitFor(30, TimeUnit.SECONDS);
            p.destroy();
        }
    }

    /**
     * The rendered agent container installs the datapath on a cgroup subtree this test made, and the chart's
     * uninstall path (the same container with {@code uninstall}) leaves no pin and no attached program. Two
     * departures from the rendered spec, because no kubelet or API server runs here: {@code --pods} (the lab's pod
     * file, empty) instead of the Kubernetes pod source, and the state hostPath moved to a temporary directory.
     */
    @Test
    void theRenderedAgentContainerInstallsTheDatapathAndItsUninstallLeavesNothing() throws Exception {
        String node = "img-it-" + ProcessHandle.current().pid();
        Path cgroup = Path.of("/sys/fs/cgroup/unified/meshlane-" + node);
        Path pins = Path.of("/sys/fs/bpf/meshlane/" + node);
        Files.createDirectories(cgroup);
        String name = "meshlane-it-agent-" + ProcessHandle.current().pid();
        Process p = null;
        try {
            PodSpec pod = rendered(DaemonSet.class, List.of(Map.entry("datapath.cgroupRoot", cgroup.toString()),
                    Map.entry("agent.httpPort", String.valueOf(FreePorts.pick())))).getSpec().getTemplate().getSpec();
            Container agent = pod.getContainers().getFirst();
            Path state = Files.createDirectories(dir.resolve("state"));
            new io.meshlane.agent.pods.PodFile(Map.of(), List.of()).write(state.resolve("pods.json"));
            agent.getArgs().add("--pods=/run/meshlane/pods.json");
            List<String> command = PodRun.of(name, pod, agent, node, Map.of("/run/meshlane", state.toString())).command();
            Path log = dir.resolve("agent.log");
            p = podman(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            String ready = awaitLine(p, log, "READY ");
            assertTrue(ready.contains("mode=ACCELERATING"), ready);
            assertTrue(Files.isDirectory(pins), "the agent pinned its state under " + pins);
            assertTrue(run(List.of("bpftool", "cgroup", "show", cgroup.toString()), 10).contains("connect4"),
                    "connect4 attached to " + cgroup);
            run(List.of("podman", "stop", "-t", "10", name), 30);
            p.waitFor(30, TimeUnit.SECONDS);

            agent.setArgs(new ArrayList<>(List.of("uninstall", "--node=$(NODE_NAME)", "--state-dir=/run/meshlane/$(NODE_NAME)",
                    "--cgroup-root=" + cgroup)));
            String removed = run(PodRun.of(name + "-uninstall", pod, agent, node, Map.of("/run/meshlane", state.toString())).command(), 60);
            assertTrue(removed.contains("removed"), removed);
            assertTrue(!Files.exists(pins), "no pin left under " + pins);
            assertEquals("", run(List.of("bpftool", "cgroup", "show", cgroup.toString()), 10).strip(), "no program left on " + cgroup);
        } finally {
            podman(List.of("podman", "rm", "-f", "-t", "2", name)).start().waitFor(30, TimeUnit.SECONDS);
            if (p != null) {
                p.destroy();
            }
            if (Files.exists(pins)) {
                new ProcessBuilder(List.of("rm", "-rf", pins.toString())).start().waitFor();
            }
            Files.deleteIfExists(cgroup);
        }
    }

    static String awaitLine(Process p, Path log, String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            if (!p.isAlive()) {
                fail("the container exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        fail("no line starting " + prefix + " in 60 s:\n" + Files.readString(log));
        return null;
    }

    static Path awaitKubeconfig(Process p, Path log, Path data) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            Matcher m = KUBECONFIG.matcher(Files.readString(log));
            if (m.find()) {
                return data.resolve(Path.of("/var/lib/meshlane").relativize(Path.of(m.group(1))));
            }
            if (!p.isAlive()) {
                fail("the mesh-control container exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        fail("mesh-control printed no kubeconfig in 90 s:\n" + Files.readString(log));
        return null;
    }

    private static <T extends HasMetadata> T rendered(Class<T> kind, List<Map.Entry<String, String>> values) {
        return one(rendered(values, Map.of()), kind);
    }

    static List<HasMetadata> rendered(List<Map.Entry<String, String>> values, Map<String, Path> files) {
        String yaml = Chart.inCheckout(ROOT).render(values, files);
        return Serialization.unmarshal(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).findFirst()
                .orElseThrow(() -> new AssertionError("the chart renders no " + kind.getSimpleName()));
    }

    private static double sizeMiB(String image) throws Exception {
        String bytes = run(List.of("podman", "image", "inspect", "--format", "{{.Size}}", "localhost/meshlane/" + image + ":" + version), 30);
        return Long.parseLong(bytes.strip()) / (1024.0 * 1024.0);
    }

    static ProcessBuilder podman(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().put("CONTAINERS_CONF", PODMAN_CONF);
        return pb;
    }

    /** Runs a command to its end; a missing tool or a failure fails the test with the command's output. */
    static String run(List<String> command, int seconds) throws Exception {
        Process p = podman(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in " + seconds + " s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + text);
        return text;
    }
}
