package io.meshlane.control.api;

/**
 * A parsed resource URL: {@code /api/v1/...} or {@code /apis/<group>/<version>/...} followed by
 * {@code [namespaces/<ns>/]<resource>[/<name>[/<subresource>]]}.
 */
public record ResourcePath(String group, String version, String namespace, String resource, String name, String subresource) {

    /** Parses the segments after the group-version; null when they do not name a resource. */
    public static ResourcePath parse(String group, String version, String[] s) {
        if (s.length == 0) {
            return null;
        }
        if (s[0].equals("namespaces") && s.length >= 3) {
            return new ResourcePath(group, version, s[1], s[2], s.length > 3 ? s[3] : null, s.length > 4 ? s[4] : null);
        }
        if (s.length > 3) {
            return null;
        }
        return new ResourcePath(group, version, null, s[0], s.length > 1 ? s[1] : null, s.length > 2 ? s[2] : null);
    }

    public String groupVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }
}
