package io.meshlane.control.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real kubectl binary against a control plane's kubeconfig. */
public record Kubectl(Path kubeconfig) {

    /** What one kubectl run printed and how it exited. */
    public record Result(int exit, String out, String err) {
        public boolean ok() {
            return exit == 0;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    public Result run(String... args) {
        return runWithInput(null, args);
    }

    public Result runWithInput(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            byte[][] streams = new byte[2][];
            Thread o = Thread.ofVirtual().start(() -> streams[0] = readAll(p.getInputStream()));
            Thread e = Thread.ofVirtual().start(() -> streams[1] = readAll(p.getErrorStream()));
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within 60s");
            }
            o.join();
            e.join();
            return new Result(p.exitValue(), new String(streams[0], StandardCharsets.UTF_8), new String(streams[1], StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new AssertionError("cannot run kubectl (is it installed at /usr/bin/kubectl?): " + ex.getMessage(), ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Runs and fails the test with kubectl's output when it exits non-zero. */
    public String ok(String... args) {
        Result r = run(args);
        if (!r.ok()) {
            throw new AssertionError("kubectl " + String.join(" ", args) + " failed: " + r);
        }
        return r.out();
    }

    /** Starts a long-running kubectl (e.g. get -w) whose stdout goes to {@code output}. */
    public Process start(Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(output.toFile()).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }
}
