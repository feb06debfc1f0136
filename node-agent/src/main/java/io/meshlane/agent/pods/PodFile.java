package io.meshlane.agent.pods;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.agent.datapath.DatapathException;
import io.meshlane.agent.datapath.PodRecord;
import io.meshlane.agent.datapath.PodRegistration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pods and namespace switches of a node, as a JSON document:
 * {@code {"namespaces": {"shop": true}, "pods": [{"namespace": "shop", "name": "a", "cgroup": "...", "ips": ["10.244.0.2"]}]}}.
 * The node lab writes one; the agent follows it with {@link PodFileSource}.
 */
public record PodFile(Map<String, Boolean> namespaces, List<PodRecord> pods) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    public PodFile {
        namespaces = namespaces == null ? Map.of() : new LinkedHashMap<>(namespaces);
        pods = pods == null ? List.of() : List.copyOf(pods);
    }

    /** Parses and checks the whole file; a bad entry rejects the file, naming the entry. */
    public static PodFile read(Path file) {
        PodFile parsed;
        try {
            parsed = JSON.readValue(Files.readString(file), PodFile.class);
        } catch (JsonProcessingException e) {
            throw new DatapathException("pod file " + file + " is not valid: " + e.getOriginalMessage()
                    + " (line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ")", e);
        } catch (IOException e) {
            throw new DatapathException("pod file " + file + " cannot be read: " + e.getMessage(), e);
        }
        parsed.registrations(); // surfaces malformed addresses, CIDRs and ports now
        return parsed;
    }

    public void write(Path file) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new DatapathException("writing pod file " + file + ": " + e.getMessage(), e);
        }
    }

    public Map<String, PodRegistration> registrations() {
        Map<String, PodRegistration> out = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (PodRecord record : pods) {
            PodRegistration pod = record.toRegistration();
            if (!seen.add(pod.key())) {
                throw new DatapathException("pod " + pod.key() + " appears twice in the pod file");
            }
            out.put(pod.key(), pod);
        }
        return out;
    }
}
