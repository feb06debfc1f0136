package io.meshlane.control.api;

import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first (v1 > v1beta1 > v1alpha3). */
final class VersionOrder {
    private static final Pattern KUBE = Pattern.compile("^v(\\d+)(?:(alpha|beta)(\\d+))?$");

    static final Comparator<String> PRIORITY = (a, b) -> Long.compare(rank(b), rank(a)) != 0
            ? Long.compare(rank(b), rank(a)) : a.compareTo(b);

    private VersionOrder() {
    }

    private static long rank(String v) {
        Matcher m = KUBE.matcher(v);
        if (!m.matches()) {
            return -1;
        }
        long major = Long.parseLong(m.group(1));
        long stage = m.group(2) == null ? 3 : m.group(2).equals("beta") ? 2 : 1;
        long minor = m.group(3) == null ? 0 : Long.parseLong(m.group(3));
        return stage * 1_000_000_000L + major * 1_000_000L + minor;
    }
}
