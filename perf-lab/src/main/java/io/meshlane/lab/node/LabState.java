package io.meshlane.lab.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a running lab is made of, written to {@code /run/meshlane-lab/<lab>/state.json} so that
 * {@code lab status}, {@code lab down} and other programs (e.g. a lab pod source) can read it.
 */
public record LabState(String lab, String nodeNetns, String bridge, String cgroupRoot, String datapathNode,
                       List<Pod> pods, List<Proc> processes) {

    public record Pod(String namespace, String name, String ip, String mode, boolean sidecar, String netns,
                      String cgroup, String veth, Map<String, String> labels, String app) { }

    public record Proc(String pod, String role, long pid, String command, String log) {
        public boolean alive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new LabException("cannot write lab state " + file + ": " + e.getMessage(), e);
        }
    }

    public static Optional<LabState> read(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), LabState.class));
        } catch (IOException e) {
            throw new LabException("lab state " + file + " is unreadable (" + e.getMessage()
                    + "); run `meshlane lab down` to clean up by name prefix", e);
        }
    }
}
