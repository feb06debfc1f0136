package io.meshlane.installer.image;

import java.util.List;

/**
 * One image: the Debian packages of its base, the module whose jars it carries, the CLI class its entrypoint runs,
 * and the user it runs as.
 */
public record ImageSpec(String name, String module, List<String> packages, String mainClass, String user) {

    /** The agent: libbpf and its libraries for the datapath; root only because loading BPF needs it. */
    public static ImageSpec nodeAgent() {
        return new ImageSpec("node-agent", "node-agent", List.of("libc6", "libbpf1", "libelf1", "zlib1g", "ca-certificates"),
                "io.meshlane.agent.cli.AgentMain", "0:0");
    }

    /** The control plane: no native libraries beyond libc and zlib; a non-root user. */
    public static ImageSpec meshControl() {
        return new ImageSpec("mesh-control", "mesh-control", List.of("libc6", "zlib1g", "ca-certificates"),
                "io.meshlane.control.cli.ControlMain", "65532:65532");
    }

    public String repository() {
        return "meshlane/" + name;
    }
}
