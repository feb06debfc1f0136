package io.meshlane.lab.node;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived host tool (ip, iptables-restore, ...) and captures its output. */
public final class HostCommand {

    public record Result(List<String> argv, int exit, String out, String err) {
        public boolean ok() {
            return exit == 0;
        }

        public Result orThrow() {
            if (exit != 0) {
                throw new LabException("command `" + String.join(" ", argv) + "` failed (exit " + exit + "): "
                        + (err.isBlank() ? out.strip() : err.strip()));
            }
            return this;
        }
    }

    private HostCommand() {
    }

    public static String run(String... argv) {
        return exec(List.of(argv), null).orThrow().out();
    }

    public static Result exec(List<String> argv, String stdin) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        try {
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new LabException("command `" + String.join(" ", argv) + "` did not finish within 60 s");
            }
            return new Result(List.copyOf(argv), p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new LabException("cannot run `" + String.join(" ", argv) + "`: " + e.getMessage()
                    + " (is the tool installed? the lab needs iproute2, iptables and util-linux)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while running `" + String.join(" ", argv) + "`", e);
        }
    }

    private static String drain(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
