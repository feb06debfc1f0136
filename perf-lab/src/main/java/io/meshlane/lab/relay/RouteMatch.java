package io.meshlane.lab.relay;

import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Envoy's route selection, for what the control plane emits: the first route of the virtual host whose path
 * (prefix, exact path or safe regex) and headers (exact, prefix, suffix, contains, safe regex, present, each
 * optionally inverted) match, then its cluster or weighted clusters, and the mirror policies whose runtime
 * fraction the request falls in. A route with a match this relay does not read (query parameters, gRPC) never
 * matches, so an unknown condition cannot widen a route.
 */
final class RouteMatch {
    /** Where one request goes: its cluster and the clusters that get a copy. */
    record Pick(String route, String cluster, List<String> mirrors) { }

    private RouteMatch() {
    }

    /** {@code headers} looks a header up by lower-case name (null when absent). */
    static Optional<Pick> pick(RouteConfiguration rc, String path, Function<String, String> headers) {
        for (VirtualHost vh : rc.getVirtualHostsList()) {
            for (Route r : vh.getRoutesList()) {
                if (r.hasRoute() && matches(r.getMatch(), path, headers)) {
                    return Optional.of(new Pick(r.getName(), cluster(r.getRoute()), mirrors(r.getRoute())));
                }
            }
        }
        return Optional.empty();
    }

    static boolean matches(io.envoyproxy.envoy.config.route.v3.RouteMatch m, String path, Function<String, String> headers) {
        if (m.getQueryParametersCount() > 0 || m.hasGrpc() || m.hasRuntimeFraction()) {
            return false;
        }
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        boolean pathOk = switch (m.getPathSpecifierCase()) {
            case PREFIX -> p.startsWith(m.getPrefix());
            case PATH -> p.equals(m.getPath());
            case SAFE_REGEX -> Pattern.compile(m.getSafeRegex().getRegex()).matcher(p).matches();
            default -> false;
        };
        if (!pathOk) {
            return false;
        }
        for (HeaderMatcher h : m.getHeadersList()) {
            if (header(h, headers.apply(h.getName().toLowerCase(java.util.Locale.ROOT))) == h.getInvertMatch()) {
                return false;
            }
        }
        return true;
    }

    private static boolean header(HeaderMatcher h, String value) {
        return switch (h.getHeaderMatchSpecifierCase()) {
            case PRESENT_MATCH -> (value != null) == h.getPresentMatch();
            case STRING_MATCH -> value != null && string(h.getStringMatch(), value);
            case EXACT_MATCH -> h.getExactMatch().equals(value);
            case PREFIX_MATCH -> value != null && value.startsWith(h.getPrefixMatch());
            case SUFFIX_MATCH -> value != null && value.endsWith(h.getSuffixMatch());
            case SAFE_REGEX_MATCH -> value != null && Pattern.compile(h.getSafeRegexMatch().getRegex()).matcher(value).matches();
            default -> false;
        };
    }

    private static boolean string(StringMatcher s, String value) {
        String v = s.getIgnoreCase() ? value.toLowerCase(java.util.Locale.ROOT) : value;
        return switch (s.getMatchPatternCase()) {
            case EXACT -> v.equals(s.getIgnoreCase() ? s.getExact().toLowerCase(java.util.Locale.ROOT) : s.getExact());
            case PREFIX -> v.startsWith(s.getPrefix());
            case SUFFIX -> v.endsWith(s.getSuffix());
            case CONTAINS -> v.contains(s.getContains());
            case SAFE_REGEX -> Pattern.compile(s.getSafeRegex().getRegex()).matcher(value).matches();
            default -> false;
        };
    }

    private static String cluster(RouteAction a) {
        if (!a.hasWeightedClusters()) {
            return a.getCluster();
        }
        List<WeightedCluster.ClusterWeight> ws = a.getWeightedClusters().getClustersList();
        long total = ws.stream().mapToLong(w -> w.getWeight().getValue()).sum();
        long n = total <= 0 ? 0 : ThreadLocalRandom.current().nextLong(total);
        for (WeightedCluster.ClusterWeight w : ws) {
            n -= w.getWeight().getValue();
            if (n < 0) {
                return w.getName();
            }
        }
        return ws.isEmpty() ? "" : ws.getLast().getName();
    }

    private static List<String> mirrors(RouteAction a) {
        List<String> out = new ArrayList<>();
        for (RouteAction.RequestMirrorPolicy m : a.getRequestMirrorPoliciesList()) {
            if (!m.hasRuntimeFraction() || sampled(m.getRuntimeFraction())) {
                out.add(m.getCluster());
            }
        }
        return out;
    }

    private static boolean sampled(RuntimeFractionalPercent f) {
        FractionalPercent p = f.getDefaultValue();
        long denominator = switch (p.getDenominator()) {
            case TEN_THOUSAND -> 10_000;
            case MILLION -> 1_000_000;
            default -> 100;
        };
        return ThreadLocalRandom.current().nextLong(denominator) < p.getNumerator();
    }
}
