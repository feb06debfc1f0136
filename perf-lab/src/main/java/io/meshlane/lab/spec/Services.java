package io.meshlane.lab.spec;

import java.util.List;

/** Finds the pods behind a service name or a pod key within one lab. */
public final class Services {
    private Services() {
    }

    /**
     * The pods {@code target} names: a pod key "namespace/name", or a service (of a pod in
     * {@code namespace}) written "service" or "service.namespace". Empty when nothing matches.
     */
    public static List<PodSpec> resolve(List<PodSpec> pods, String namespace, String target) {
        if (target == null || target.isEmpty()) {
            return List.of();
        }
        if (target.contains("/")) {
            return pods.stream().filter(p -> p.key().equals(target)).toList();
        }
        int dot = target.indexOf('.');
        String service = dot < 0 ? target : target.substring(0, dot);
        String ns = dot < 0 ? namespace : target.substring(dot + 1);
        return pods.stream().filter(p -> p.namespace().equals(ns) && p.app() instanceof AppSpec.Http
                && service.equals(p.service())).toList();
    }
}
