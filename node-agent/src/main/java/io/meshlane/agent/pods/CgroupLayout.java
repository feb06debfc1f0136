package io.meshlane.agent.pods;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where kubelet puts a pod's cgroup under the cgroup-v2 mount, for both cgroup drivers:
 * <ul>
 *   <li>systemd: {@code kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_with_underscores>.slice}
 *       (Guaranteed pods sit directly in {@code kubepods.slice});</li>
 *   <li>cgroupfs: {@code kubepods/burstable/pod<uid>} (Guaranteed: {@code kubepods/pod<uid>}).</li>
 * </ul>
 * containerd and CRI-O both nest each container's cgroup below the pod's
 * ({@code cri-containerd-<id>.scope}, {@code crio-<id>.scope}, or {@code <id>} with cgroupfs); the
 * datapath matches a task by its ancestor pod cgroup, so the runtime does not matter.
 */
public final class CgroupLayout {

    private final Path cgroup2;

    public CgroupLayout(Path cgroup2) {
        this.cgroup2 = cgroup2;
    }

    /** The kubepods root under which the programs attach: whichever driver's root exists. */
    public Optional<Path> kubepodsRoot() {
        return List.of(cgroup2.resolve("kubepods.slice"), cgroup2.resolve("kubepods")).stream()
                .filter(Files::isDirectory).findFirst();
    }

    /** The candidates for a pod, systemd driver first. */
    public List<Path> candidates(String podUid, String qosClass) {
        String qos = qosClass == null ? "besteffort" : qosClass.toLowerCase(Locale.ROOT);
        String systemdUid = podUid.replace('-', '_');
        if (qos.equals("guaranteed")) {
            return List.of(cgroup2.resolve("kubepods.slice/kubepods-pod" + systemdUid + ".slice"),
                    cgroup2.resolve("kubepods/pod" + podUid));
        }
        return List.of(
                cgroup2.resolve("kubepods.slice/kubepods-" + qos + ".slice/kubepods-" + qos + "-pod" + systemdUid + ".slice"),
                cgroup2.resolve("kubepods/" + qos + "/pod" + podUid));
    }

    /** The pod's cgroup if kubelet has created it. */
    public Optional<Path> find(String podUid, String qosClass) {
        return candidates(podUid, qosClass).stream().filter(Files::isDirectory).findFirst();
    }
}
