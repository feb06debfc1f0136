package io.meshlane.installer.image;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code podman run} derived mechanically from one container of a rendered pod spec: host network, user,
 * capabilities, read-only root, environment (the downward API's node name filled in), hostPath mounts with their
 * propagation, emptyDirs as tmpfs, and the container's args with {@code $(VAR)} expanded as the kubelet does.
 * Derived rather than {@code podman kube play} so that the test runs each container on its own: the init container
 * first with its exit code checked, the agent later replaced alone (an upgrade) without touching the pod around it.
 */
record PodRun(List<String> command) {

    static PodRun of(String name, PodSpec pod, Container c, String nodeName, Map<String, String> hostPathOverrides) {
        List<String> cmd = new ArrayList<>(List.of("podman", "run", "--rm", "--name", name));
        if (Boolean.TRUE.equals(pod.getHostNetwork())) {
            cmd.add("--network=host");
        }
        SecurityContext sc = c.getSecurityContext();
        if (sc != null) {
            if (sc.getRunAsUser() != null) {
                cmd.add("--user=" + sc.getRunAsUser() + (sc.getRunAsGroup() != null ? ":" + sc.getRunAsGroup() : ""));
            }
            if (Boolean.TRUE.equals(sc.getPrivileged())) {
                cmd.add("--privileged");
            }
            if (Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
                cmd.add("--read-only");
            }
            if (sc.getCapabilities() != null) {
                sc.getCapabilities().getDrop().forEach(cap -> cmd.add("--cap-drop=" + cap));
                sc.getCapabilities().getAdd().forEach(cap -> cmd.add("--cap-add=" + cap));
            }
        }
        Map<String, String> env = new HashMap<>();
        for (EnvVar e : c.getEnv()) {
            String value = e.getValue();
            if (value == null && e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
                    && "spec.nodeName".equals(e.getValueFrom().getFieldRef().getFieldPath())) {
                value = nodeName;
            }
            if (value == null) {
                throw new IllegalArgumentException("env " + e.getName() + " of " + c.getName() + ": no derivation for " + e.getValueFrom());
            }
            env.put(e.getName(), value);
            cmd.add("--env=" + e.getName() + "=" + value);
        }
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("mount of unknown volume " + m.getName()));
            if (v.getHostPath() != null) {
                String host = hostPathOverrides.getOrDefault(v.getHostPath().getPath(), v.getHostPath().getPath());
                String opts = Boolean.TRUE.equals(m.getReadOnly()) ? "ro" : "rw";
                if ("HostToContainer".equals(m.getMountPropagation())) {
                    opts += ",rslave";
                } else if ("Bidirectional".equals(m.getMountPropagation())) {
                    opts += ",rshared";
                }
                cmd.add("--volume=" + host + ":" + m.getMountPath() + ":" + opts);
            } else if (v.getEmptyDir() != null) {
                cmd.add("--tmpfs=" + m.getMountPath());
            } else {
                throw new IllegalArgumentException("volume " + v.getName() + ": only hostPath and emptyDir are derived here");
            }
        }
        cmd.add("localhost/" + c.getImage());
        for (String arg : c.getArgs()) {
            String expanded = arg;
            for (Map.Entry<String, String> e : env.entrySet()) {
                expanded = expanded.replace("$(" + e.getKey() + ")", e.getValue());
            }
            cmd.add(expanded);
        }
        return new PodRun(List.copyOf(cmd));
    }
}
