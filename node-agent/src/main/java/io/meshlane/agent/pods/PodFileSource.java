package io.meshlane.agent.pods;

import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.DatapathException;
import io.meshlane.agent.datapath.PodRegistration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Keeps the datapath in step with a {@link PodFile}: registers new and changed pods,
 * unregisters vanished ones and applies namespace switches. A bad file is logged and
 * skipped; the last good state stays in force.
 */
public final class PodFileSource {

    private static final Logger LOG = Logger.getLogger(PodFileSource.class.getName());

    private final Path file;
    private final Datapath datapath;
    private FileTime applied;

    public PodFileSource(Path file, Datapath datapath) {
        this.file = file;
        this.datapath = datapath;
    }

    /** Applies the file if it changed since the last call; returns true when it applied it. */
    public boolean poll() {
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            LOG.warning("pod file " + file + " is unreadable (" + e.getMessage() + "); keeping the current pods");
            return false;
        }
        if (modified.equals(applied)) {
            return false;
        }
        try {
            apply(PodFile.read(file));
            applied = modified;
            return true;
        } catch (DatapathException e) {
            LOG.warning(e.getMessage() + "; keeping the current pods");
            applied = modified;
            return false;
        }
    }

    private void apply(PodFile podFile) {
        Map<String, PodRegistration> wanted = podFile.registrations();
        for (PodRegistration existing : datapath.registeredPods().values()) {
            if (!wanted.containsKey(existing.key())) {
                datapath.unregisterPod(existing.namespace(), existing.name());
            }
        }
        Map<String, PodRegistration> current = datapath.registeredPods();
        for (PodRegistration pod : wanted.values()) {
            if (!pod.equals(current.get(pod.key()))) {
                try {
                    datapath.registerPod(pod);
                } catch (DatapathException e) {
                    LOG.warning(e.getMessage());
                }
            }
        }
        podFile.namespaces().forEach((namespace, on) -> {
            if (!on.equals(datapath.namespaces().get(namespace))) {
                datapath.setNamespaceAcceleration(namespace, on);
            }
        });
    }
}
