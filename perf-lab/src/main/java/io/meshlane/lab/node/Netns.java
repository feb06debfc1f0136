package io.meshlane.lab.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Named network namespaces, managed with iproute2 ({@code ip netns}). */
public final class Netns {
    private static final Path NETNS_DIR = Path.of("/run/netns");

    private Netns() {
    }

    public static void add(String name) {
        HostCommand.run("ip", "netns", "add", name);
        HostCommand.run("ip", "-n", name, "link", "set", "lo", "up");
    }

    /** The namespace's file, as setns(2) and the node agent take it. */
    public static Path path(String name) {
        return NETNS_DIR.resolve(name);
    }

    public static boolean exists(String name) {
        return Files.exists(NETNS_DIR.resolve(name));
    }

    public static List<String> list(String prefix) {
        if (!Files.isDirectory(NETNS_DIR)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(NETNS_DIR)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList();
        } catch (IOException e) {
            throw new LabException("cannot list " + NETNS_DIR + ": " + e.getMessage(), e);
        }
    }

    public static List<Long> pids(String name) {
        HostCommand.Result r = HostCommand.exec(List.of("ip", "netns", "pids", name), null);
        if (!r.ok()) {
            return List.of();
        }
        return Arrays.stream(r.out().split("\\s+")).filter(s -> !s.isBlank()).map(Long::parseLong).toList();
    }

    /** Deletes the namespace; its veths (and the peers) and iptables rules go with it. */
    public static void delete(String name) {
        if (exists(name)) {
            HostCommand.exec(List.of("ip", "netns", "del", name), null).orThrow();
        }
    }

    /** The argv prefix that runs a command inside the namespace. */
    public static List<String> execPrefix(String name) {
        return List.of("ip", "netns", "exec", name);
    }
}
