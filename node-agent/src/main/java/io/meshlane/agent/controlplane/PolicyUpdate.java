package io.meshlane.agent.controlplane;

import io.meshlane.api.agent.v1.NamespacePolicy;
import io.meshlane.api.agent.v1.NodePolicy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A checked policy from the control plane: namespace -> enabled. {@link #from} rejects the
 * whole message when any entry is malformed, so a bad update never half-applies.
 */
public record PolicyUpdate(String version, Map<String, Boolean> namespaces) {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public PolicyUpdate {
        namespaces = Map.copyOf(namespaces);
    }

    public static PolicyUpdate from(NodePolicy policy) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (NamespacePolicy ns : policy.getNamespacesList()) {
            String name = ns.getNamespace();
            if (!DNS_LABEL.matcher(name).matches()) {
                throw new IllegalArgumentException("namespace \"" + name + "\" is not a valid namespace name");
            }
            boolean on = switch (ns.getAcceleration()) {
                case ENABLED -> true;
                case DISABLED -> false;
                default -> throw new IllegalArgumentException("namespace " + name + ": acceleration "
                        + ns.getAccelerationValue() + " is neither ENABLED nor DISABLED");
            };
            if (out.put(name, on) != null) {
                throw new IllegalArgumentException("namespace " + name + " appears twice");
            }
        }
        return new PolicyUpdate(policy.getVersion(), out);
    }
}
