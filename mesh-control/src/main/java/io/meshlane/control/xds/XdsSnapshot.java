package io.meshlane.control.xds;

import java.util.Collection;
import java.util.List;

/** What the ADS streams serve from: the resources a node should see now, and the objects they came from. */
interface XdsSnapshot {
    /** The resource {@code name} of {@code type} as {@code node} should see it, or null if there is none. */
    XdsResource resolve(String type, String name, ProxyNode node);

    /** Every resource of {@code type} a wildcard subscriber ({@code node}) should see. */
    Collection<XdsResource> wildcard(String type, ProxyNode node);

    /** The configuration objects the named resources were translated from ({@code VirtualService default/reviews}). */
    List<String> sourcesOf(String type, Collection<String> names);
}
