package io.meshlane.lab.spec;

import java.net.Inet4Address;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One pod of a lab as declared in the pod file, validated.
 *
 * @param namespace Kubernetes-style namespace (DNS label)
 * @param name      pod name (DNS label), unique within its namespace
 * @param labels    free-form labels
 * @param sidecar   whether a sidecar relay runs in the pod
 * @param mode      how traffic is redirected to the sidecar
 * @param ip        the pod's address in 10.244.0.0/16
 * @param app       the application the pod runs
 * @param telemetry whether the pod's sidecar exports metrics when the lab has telemetry configured
 */
public record PodSpec(String namespace, String name, Map<String, String> labels, boolean sidecar,
                      PodMode mode, Inet4Address ip, AppSpec app, boolean telemetry) {
    private static final Pattern ORDINAL = Pattern.compile("-[0-9]+$");

    public PodSpec {
        labels = Map.copyOf(labels);
    }

    public String key() {
        return namespace + "/" + name;
    }

    /** The deployment the pod belongs to: an http app's {@code workload}, else the name without "-<ordinal>". */
    public String workload() {
        if (app instanceof AppSpec.Http http && http.workload() != null) {
            return http.workload();
        }
        return ORDINAL.matcher(name).replaceFirst("");
    }

    /** The canonical service: the http app's service, the load client's, the "app" label, else the workload. */
    public String service() {
        return switch (app) {
            case AppSpec.Http http -> http.service();
            case AppSpec.HttpLoad load -> load.service();
            default -> labels.getOrDefault("app", workload());
        };
    }

    public PodSpec withIp(Inet4Address address) {
        return new PodSpec(namespace, name, labels, sidecar, mode, address, app, telemetry);
    }
}
