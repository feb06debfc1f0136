package io.meshlane.installer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.meshlane.control.fleet.LocalEtcdCluster;
import io.meshlane.lab.controlbench.ControlBench;
import io.meshlane.lab.controlbench.ControlBenchOptions;
import io.meshlane.lab.controlbench.ControlBenchResult;
import io.meshlane.lab.controlbench.ControlTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshlane bench control}: starts a control plane as a user does (its own process, on loopback, a fresh data
 * directory; on etcd, a local Debian etcd member first), then drives it with kubectl-like HTTP/2 clients over TLS.
 */
@Command(name = "control", mixinStandardHelpOptions = true,
        description = {"Measure the control plane's Kubernetes API: creates/s, gets/s and full lists/s of a collection,"
                + " and how long one change takes to reach many watchers, over HTTPS with HTTP/2 (one connection, many streams,"
                + " as client-go does). The control plane runs in its own process on 127.0.0.1 and is removed afterwards.",
                "Exits 1 if any request failed or a watch event was lost."})
public final class ControlBenchCommand implements Callable<Integer> {
    private static final Pattern KUBECONFIG = Pattern.compile("kubectl --kubeconfig (\\S+) get namespaces");
    private static final long START_SECONDS = 180;

    @Spec
    CommandSpec spec;

    @Option(names = "--store", defaultValue = "embedded", description = "embedded or etcd (default: ${DEFAULT-VALUE})")
    String store;
    @Option(names = "--etcd-port", defaultValue = "23790", description = "with --store etcd: client port of the etcd member the"
            + " bench starts on 127.0.0.1; its peer port is this + 10 (default: ${DEFAULT-VALUE})")
    int etcdPort;
    @Option(names = "--objects", defaultValue = "10000", description = "objects created; gets and lists read them (default: ${DEFAULT-VALUE})")
    int objects;
    @Option(names = "--gets", defaultValue = "50000", description = "single-object gets (default: ${DEFAULT-VALUE})")
    int gets;
    @Option(names = "--lists", defaultValue = "20", description = "full lists of the collection (default: ${DEFAULT-VALUE})")
    int lists;
    @Option(names = "--page-size", defaultValue = "500", description = "list page size, kubectl's --chunk-size (default: ${DEFAULT-VALUE})")
    int pageSize;
    @Option(names = "--watchers", defaultValue = "1000", description = "concurrent watches of one object (default: ${DEFAULT-VALUE})")
    int watchers;
    @Option(names = "--changes", defaultValue = "30", description = "changes of the watched object, 200 ms apart (default: ${DEFAULT-VALUE})")
    int changes;
    @Option(names = "--concurrency", defaultValue = "64", description = "requests in flight (default: ${DEFAULT-VALUE})")
    int concurrency;
    @Option(names = "--connections", defaultValue = "1", description = "HTTP/2 connections the requests share (default: ${DEFAULT-VALUE})")
    int connections;
    @Option(names = "--json", paramLabel = "FILE", description = "write the result as JSON here")
    Path json;
    @Option(names = "--control-classpath", paramLabel = "CP", description = "start the control plane from this class path"
            + " (e.g. another build's installer/target/lib/*, to compare builds side by side); default: this one's")
    String controlClasspath;
    @Option(names = "--control-jvm-option", paramLabel = "OPT", description = "JVM option for the control plane's process"
            + " (repeatable), e.g. -XX:StartFlightRecording=filename=control.jfr")
    List<String> controlJvmOptions = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ControlBenchOptions options;
        try {
            if (!store.equals("embedded") && !store.equals("etcd")) {
                throw new IllegalArgumentException("--store must be embedded or etcd, not '" + store + "'");
            }
            options = new ControlBenchOptions(objects, gets, lists, pageSize, watchers, changes, concurrency, connections);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 2;
        }
        Path dir = null;
        LocalEtcdCluster etcd = null;
        Process control = null;
        try {
            dir = Files.createTempDirectory("meshlane-bench-control");
            List<String> storeArgs = List.of();
            if (store.equals("etcd")) {
                etcd = LocalEtcdCluster.start(dir.resolve("etcd"), List.of(new LocalEtcdCluster.Ports(etcdPort, etcdPort + 10)));
                storeArgs = List.of("--store", "etcd", "--etcd-endpoints", String.join(",", etcd.endpoints()));
                out.println("etcd member serving " + String.join(",", etcd.endpoints()));
            }
            Path log = dir.resolve("control.log");
            control = startControl(dir.resolve("control"), log, storeArgs);
            Path kubeconfig = awaitKubeconfig(control, log);
            out.printf("control plane (%s store) up; %d HTTP/2 connection(s), %d requests in flight%n", store, connections, concurrency);
            out.flush();
            ControlBenchResult result = new ControlBench(ControlTarget.fromKubeconfig(kubeconfig), options, line -> {
                out.println(line);
                out.flush();
            }).run(store);
            out.println(result.summary());
            if (json != null) {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result.json());
                out.println("wrote " + json);
            }
            out.flush();
            if (result.errors() > 0) {
                err.println("error: " + result.errors() + " request(s) failed or watch events were lost (see above)");
                err.flush();
                return 1;
            }
            return 0;
        } catch (Exception e) {
            err.println("error: the control-plane benchmark failed: " + e.getMessage());
            err.flush();
            return 1;
        } finally {
            stop(control);
            if (etcd != null) {
                etcd.close();
            }
            delete(dir);
        }
    }

    private Process startControl(Path data, Path log, List<String> storeArgs) throws IOException {
        Files.createDirectories(data);
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        String home = System.getProperty("meshlane.home");
        if (home != null) {
            command.add("-Dmeshlane.home=" + home);
        }
        command.addAll(controlJvmOptions);
        command.addAll(List.of("-cp", controlClasspath != null ? controlClasspath : System.getProperty("java.class.path"),
                Main.class.getName(), "control", "--data-dir", data.toString(), "--listen", "127.0.0.1:0",
                "--agents-port", "0", "--xds-port", "0", "--otlp-grpc-port", "-1", "--otlp-http-port", "-1"));
        command.addAll(storeArgs);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static Path awaitKubeconfig(Process control, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline) {
            Matcher m = KUBECONFIG.matcher(Files.readString(log));
            if (m.find()) {
                return Path.of(m.group(1));
            }
            if (!control.isAlive()) {
                throw new IOException("the control plane exited with " + control.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new IOException("the control plane did not serve within " + START_SECONDS + " s:\n" + Files.readString(log));
    }

    private static void stop(Process control) {
        if (control == null || !control.isAlive()) {
            return;
        }
        control.destroy();
        try {
            if (!control.waitFor(30, TimeUnit.SECONDS)) {
                control.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            control.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless; the OS cleans /tmp
        }
    }
}
