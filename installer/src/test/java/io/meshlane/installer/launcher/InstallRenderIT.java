package io.meshlane.installer.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./meshlane install --render DIR} as a user runs it (the launcher and its assembled
 * classpath, Helm's native library included), and real kubectl reading what it wrote.
 * kubectl's {@code apply --dry-run=client} needs a server's discovery even when it sends nothing
 * (no kube-apiserver can run here), so kubectl reads the files offline instead: {@code annotate
 * --local} recognises every object's kind, {@code set env --local} decodes the pod-carrying ones
 * into Kubernetes' Go types (a wrongly typed field fails there).
 */
class InstallRenderIT {

    @TempDir
    Path dir;

    @Test
    void rendersManifestsThatKubectlReads() throws Exception {
        Path out = dir.resolve("manifests");
        Run render = meshlane("install", "--render", out.toString(), "--set", "datapath.required=true",
                "--set", "control.store.engine=etcd", "--set", "control.store.etcd.endpoints[0]=http://etcd:2379");
        assertEquals(0, render.exit(), render.out());
        assertTrue(render.out().contains("kubectl apply -f " + out), render.out());
        List<String> files;
        try (Stream<Path> listing = Files.list(out)) {
            files = listing.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(files.stream().anyMatch(f -> f.endsWith("daemonset-meshlane-agent.yaml")), files.toString());
        assertFalse(files.stream().anyMatch(f -> f.contains("persistentvolumeclaim")), "etcd: no PVC " + files);

        Run kinds = kubectl("annotate", "--local", "-f", out.toString(), "meshlane.io/rendered=true", "-o", "name");
        assertEquals(0, kinds.exit(), kinds.out());
        assertEquals(List.of("clusterrole.rbac.authorization.k8s.io/meshlane-agent", "clusterrolebinding.rbac.authorization.k8s.io/meshlane-agent",
                        "daemonset.apps/meshlane-agent", "deployment.apps/meshlane-control", "poddisruptionbudget.policy/meshlane-control",
                        "service/meshlane-control", "serviceaccount/meshlane-agent"),
                kinds.output().lines().sorted().toList());
        for (String workload : List.of("daemonset-meshlane-agent.yaml", "deployment-meshlane-control.yaml")) {
            Path file = out.resolve(files.stream().filter(f -> f.endsWith(workload)).findFirst().orElseThrow());
            Run typed = kubectl("set", "env", "--local", "-f", file.toString(), "MESHLANE_CHECK=1", "-o", "yaml");
            assertEquals(0, typed.exit(), typed.out());
        }
        String daemonSet = kubectl("set", "env", "--local", "-f", out.resolve(files.stream()
                .filter(f -> f.endsWith("daemonset-meshlane-agent.yaml")).findFirst().orElseThrow()).toString(), "X=1", "-o",
                "jsonpath={.spec.template.spec.hostNetwork} {.spec.template.spec.initContainers[0].args}").output();
        assertEquals("true [\"preflight\"]", daemonSet.strip());
    }

    @Test
    void badValuesGetAClearErrorAndNoFiles() throws Exception {
        Path out = dir.resolve("none");
        Run malformed = meshlane("install", "--render", out.toString(), "--set", "datapath.required");
        assertEquals(2, malformed.exit(), malformed.out());
        assertTrue(malformed.out().contains("--set takes KEY=VALUE"), malformed.out());
        Run refused = meshlane("install", "--render", out.toString(), "--set", "control.replicas=3");
        assertEquals(2, refused.exit(), refused.out());
        assertTrue(refused.out().contains("set control.store.engine=etcd for control.replicas > 1"), refused.out());
        assertFalse(refused.out().contains("--debug"), "no hint at a flag we do not have: " + refused.out());
        assertFalse(Files.exists(out), "nothing written for refused values");
    }

    private static Run meshlane(String... args) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> command = new ArrayList<>(List.of(root.resolve("meshlane").toString()));
        command.addAll(List.of(args));
        return run(command, root);
    }

    private static Run kubectl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("kubectl"));
        command.addAll(List.of(args));
        return run(command, Path.of(""));
    }

    private static Run run(List<String> command, Path dir) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toAbsolutePath().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), String.join(" ", command) + "\n" + out);
    }

    /** {@code out} starts with the command line (for failure messages); {@code output()} is what the command printed. */
    private record Run(int exit, String out) {
        String output() {
            return out.substring(out.indexOf('\n') + 1);
        }
    }
}
