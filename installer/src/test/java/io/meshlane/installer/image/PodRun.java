package io.meshlane.installer.image;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@code podman run} derived mechanically from one container of a rendered pod spec: the host's network, user (the
 * container's, else the pod's securityContext), capabilities, no-new-privileges, read-only root, environment (the
 * downward API's node name filled in), hostPath mounts with their propagation, emptyDirs as tmpfs, Secret volumes
 * as a directory holding the rendered Secret's keys as files (with the volume's mode), PersistentVolumeClaims as a
 * host directory given per claim (group-owned by fsGroup, as the kubelet prepares it), and the container's args
 * with {@code $(VAR)} expanded as the kubelet does and {@code --flag=value} values replaced where {@link Host} says.
 * Derived rather than {@code podman kube play} so that the test runs each container on its own: the init container
 * first with its exit code checked, the agent later replaced alone (an upgrade) without touching the pod around it.
 */
record PodRun(List<String> command) {

    /**
     * What this machine supplies in place of a kubelet's: hostPaths moved elsewhere, the rendered Secrets and the
     * directory their files are written to, a host directory per claim, and args whose value this host must change
     * (a flag such as {@code --listen} mapped to its new value).
     */
    record Host(String nodeName, Map<String, String> hostPaths, List<Secret> secrets, Path secretDir,
                Map<String, Path> claims, Map<String, String> argValues) {
        static Host of(String nodeName, Map<String, String> hostPaths) {
            return new Host(nodeName, hostPaths, List.of(), null, Map.of(), Map.of());
        }
    }

    static PodRun of(String name, PodSpec pod, Container c, String nodeName, Map<String, String> hostPathOverrides) {
        return of(name, pod, c, Host.of(nodeName, hostPathOverrides));
    }

    static PodRun of(String name, PodSpec pod, Container c, Host host) {
        String nodeName = host.nodeName();
        List<String> cmd = new ArrayList<>(List.of("podman", "run", "--rm", "--name", name));
        // every pod on the host's network, also those that have their own on Kubernetes (mesh-control): podman's
        // bridge (netavark) would leave NAT tables in the root netns that break the node lab; such a pod's ports
        // move to free loopback ports through Host.argValues instead
        cmd.add("--network=host");
        SecurityContext sc = c.getSecurityContext();
        PodSecurityContext psc = pod.getSecurityContext();
        Long uid = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser() : psc != null ? psc.getRunAsUser() : null;
        Long gid = sc != null && sc.getRunAsGroup() != null ? sc.getRunAsGroup() : psc != null ? psc.getRunAsGroup() : null;
        if (uid != null) {
            cmd.add("--user=" + uid + (gid != null ? ":" + gid : ""));
        }
        if (sc != null) {
            if (Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                cmd.add("--security-opt=no-new-privileges");
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
                String hostPath = host.hostPaths().getOrDefault(v.getHostPath().getPath(), v.getHostPath().getPath());
                String opts = Boolean.TRUE.equals(m.getReadOnly()) ? "ro" : "rw";
                if ("HostToContainer".equals(m.getMountPropagation())) {
                    opts += ",rslave";
                } else if ("Bidirectional".equals(m.getMountPropagation())) {
                    opts += ",rshared";
                }
                cmd.add("--volume=" + hostPath + ":" + m.getMountPath() + ":" + opts);
            } else if (v.getEmptyDir() != null) {
                cmd.add("--tmpfs=" + m.getMountPath());
            } else if (v.getSecret() != null) {
                Path files = secretFiles(host, v.getSecret());
                cmd.add("--volume=" + files + (m.getSubPath() != null ? "/" + m.getSubPath() : "") + ":" + m.getMountPath() + ":ro");
            } else if (v.getPersistentVolumeClaim() != null) {
                Path dir = host.claims().get(v.getPersistentVolumeClaim().getClaimName());
                if (dir == null) {
                    throw new IllegalArgumentException("claim " + v.getPersistentVolumeClaim().getClaimName() + ": no host directory given");
                }
                if (psc != null && psc.getFsGroup() != null) {
                    fsGroup(dir, psc.getFsGroup());
                }
                cmd.add("--volume=" + dir + (m.getSubPath() != null ? "/" + m.getSubPath() : "") + ":" + m.getMountPath() + ":rw");
            } else {
                throw new IllegalArgumentException("volume " + v.getName() + ": only hostPath, emptyDir, secret and PVC are derived here");
            }
        }
        cmd.add("localhost/" + c.getImage());
        for (String arg : c.getArgs()) {
            String expanded = arg;
            for (Map.Entry<String, String> e : env.entrySet()) {
                expanded = expanded.replace("$(" + e.getKey() + ")", e.getValue());
            }
            int eq = expanded.indexOf('=');
            if (expanded.startsWith("--") && eq > 0 && host.argValues().containsKey(expanded.substring(0, eq))) {
                expanded = expanded.substring(0, eq + 1) + host.argValues().get(expanded.substring(0, eq));
            }
            cmd.add(expanded);
        }
        return new PodRun(List.copyOf(cmd));
    }

    /** The Secret's keys as files in a directory of their own, with the volume's defaultMode (0644 if unset). */
    private static Path secretFiles(Host host, SecretVolumeSource source) {
        Secret secret = host.secrets().stream().filter(s -> s.getMetadata().getName().equals(source.getSecretName())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("secret volume of " + source.getSecretName() + ": the chart renders no such Secret"));
        Path dir = host.secretDir().resolve(source.getSecretName());
        int mode = source.getDefaultMode() != null ? source.getDefaultMode() : 0644;
        try {
            Files.createDirectories(dir);
            Map<String, byte[]> files = new TreeMap<>();
            if (secret.getData() != null) {
                secret.getData().forEach((k, b64) -> files.put(k, Base64.getDecoder().decode(b64)));
            }
            if (secret.getStringData() != null) {
                secret.getStringData().forEach((k, text) -> files.put(k, text.getBytes(StandardCharsets.UTF_8)));
            }
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path file = dir.resolve(f.getKey());
                Files.write(file, f.getValue());
                Files.setPosixFilePermissions(file, permissions(mode));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing secret " + source.getSecretName() + " to " + dir, e);
        }
        return dir;
    }

    /** What the kubelet does to a volume for fsGroup: group-owned, group-writable, setgid so new files keep the group. */
    private static void fsGroup(Path dir, long group) {
        try {
            Process p = new ProcessBuilder("chown", "-R", ":" + group, dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0 || new ProcessBuilder("chmod", "2770", dir.toString()).start().waitFor() != 0) {
                throw new IllegalStateException("chown/chmod of " + dir + " for fsGroup " + group + ": " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }
}
