package io.meshlane.control.telemetry.query;

import io.meshlane.control.telemetry.store.LogQuery;
import io.meshlane.control.telemetry.store.SeriesKind;
import io.meshlane.control.telemetry.store.TraceQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the query parameters of /telemetry/v1/* into typed requests. Every problem is an
 * IllegalArgumentException whose message names the parameter, what it got and what is allowed
 * (the HTTP layer answers it as a 400 Status). {@code scope} (local|all) is accepted everywhere
 * and left to the caller.
 */
public final class QueryParameters {

    static final Duration MAX_WINDOW = Duration.ofDays(7);
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
    private static final int MAX_SERIES_POINTS = 360;

    /** A query window ending now; {@code label} is how the request spelled it. */
    public record Window(String label, Duration length, Instant from, Instant to) {
    }

    public enum TopBy { LATENCY, ERRORS }

    public enum TopOf { SERVICES, ENDPOINTS }

    public record TopologyRequest(Window window, boolean byWorkload) {
    }

    public record TopRequest(Window window, TopBy by, TopOf of, int n) {
    }

    public record SeriesRequest(Window window, String cluster, String namespace, String service, Duration step) {
    }

    private QueryParameters() {
    }

    public static Window services(Map<String, String> params, Instant now) {
        allow(params, "services", "window");
        return window(params, now, "5m");
    }

    /** What a federation peer asks for: a window and, optionally, only some kinds (kinds=service,edge). */
    public record SnapshotRequest(Window window, Set<SeriesKind> kinds) {
    }

    public static SnapshotRequest snapshot(Map<String, String> params, Instant now) {
        allow(params, "snapshot", "window", "kinds");
        Set<SeriesKind> kinds = EnumSet.allOf(SeriesKind.class);
        String raw = params.get("kinds");
        if (raw != null) {
            kinds = EnumSet.noneOf(SeriesKind.class);
            for (String part : raw.split(",")) {
                try {
                    kinds.add(SeriesKind.valueOf(part.trim().toUpperCase(java.util.Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("parameter 'kinds' must be a comma-separated list of "
                            + "service, workload, edge, workload_edge, endpoint; got '" + raw + "'");
                }
            }
        }
        return new SnapshotRequest(window(params, now, "5m"), kinds);
    }

    public static TopologyRequest topology(Map<String, String> params, Instant now) {
        allow(params, "topology", "window", "by");
        String by = params.getOrDefault("by", "service");
        if (!by.equals("service") && !by.equals("workload")) {
            throw new IllegalArgumentException("parameter 'by' must be 'service' or 'workload', got '" + by + "'");
        }
        return new TopologyRequest(window(params, now, "5m"), by.equals("workload"));
    }

    public static TopRequest top(Map<String, String> params, Instant now) {
        allow(params, "top", "window", "by", "of", "n");
        TopBy by = choice(params, "by", "latency", TopBy.class);
        TopOf of = choice(params, "of", "services", TopOf.class);
        int n = integer(params, "n", 10, 1, 1000);
        return new TopRequest(window(params, now, "5m"), by, of, n);
    }

    /**
     * The series of one service; {@code cluster} defaults to {@code localCluster}; {@code step}
     * defaults to the bucket width, widened so a window gives at most 360 points, and must be a
     * multiple of the bucket width.
     */
    public static SeriesRequest series(Map<String, String> params, Instant now, String localCluster,
                                       Duration bucketWidth) {
        allow(params, "series", "window", "cluster", "namespace", "service", "step");
        String service = required(params, "service");
        String namespace = required(params, "namespace");
        String cluster = params.getOrDefault("cluster", localCluster);
        Window window = window(params, now, "15m");
        long width = bucketWidth.toMillis();
        Duration step;
        if (params.containsKey("step")) {
            step = duration("step", params.get("step"));
            if (step.toMillis() % width != 0) {
                throw new IllegalArgumentException("parameter 'step' must be a multiple of the bucket width "
                        + format(bucketWidth) + ", got '" + params.get("step") + "'");
            }
            if (window.length().toMillis() / step.toMillis() > 10_000) {
                throw new IllegalArgumentException("parameter 'step' " + params.get("step") + " gives more than 10000 points over "
                        + window.label() + "; use a larger step");
            }
        } else {
            long buckets = (window.length().toMillis() + width - 1) / width;
            long factor = Math.max(1, (buckets + MAX_SERIES_POINTS - 1) / MAX_SERIES_POINTS);
            step = Duration.ofMillis(width * factor);
        }
        return new SeriesRequest(window, cluster, namespace, service, step);
    }

    public static TraceQuery traces(Map<String, String> params, Instant now) {
        allow(params, "traces", "window", "service", "namespace", "minDurationMs", "error", "limit");
        Window window = window(params, now, "1h");
        double minMs = 0;
        if (params.containsKey("minDurationMs")) {
            String raw = params.get("minDurationMs");
            try {
                minMs = Double.parseDouble(raw);
            } catch (NumberFormatException e) {
                minMs = -1;
            }
            if (!(minMs >= 0) || Double.isInfinite(minMs)) {
                throw new IllegalArgumentException("parameter 'minDurationMs' must be a non-negative number of milliseconds, got '"
                        + raw + "'");
            }
        }
        boolean error = bool(params, "error");
        int limit = integer(params, "limit", 20, 1, 1000);
        return new TraceQuery(params.getOrDefault("service", ""), params.getOrDefault("namespace", ""),
                Math.round(minMs * 1000.0), error, window.from(), window.to(), limit);
    }

    public static LogQuery logs(Map<String, String> params, Instant now) {
        allow(params, "logs", "window", "service", "namespace", "q", "severity", "traceId", "limit");
        Window window = window(params, now, "1h");
        int limit = integer(params, "limit", 100, 1, 5000);
        String q = params.getOrDefault("q", "");
        if (q.length() > 1000) {
            throw new IllegalArgumentException("parameter 'q' must be at most 1000 characters, got " + q.length());
        }
        return new LogQuery(params.getOrDefault("service", ""), params.getOrDefault("namespace", ""), q,
                params.getOrDefault("severity", ""), params.getOrDefault("traceId", ""), window.from(), window.to(),
                limit);
    }

    static Window window(Map<String, String> params, Instant now, String fallback) {
        String label = params.getOrDefault("window", fallback);
        Duration length = duration("window", label);
        return new Window(label, length, now.minus(length), now);
    }

    /** "30s", "5m", "1h", "1d", "500ms": at least 1s and at most 7d. */
    static Duration duration(String name, String raw) {
        Matcher m = DURATION.matcher(raw == null ? "" : raw.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("parameter '" + name + "' must be a duration like 30s, 5m, 1h or 1d, got '"
                    + raw + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("parameter '" + name + "' must be between 1s and 7d, got '" + raw + "'");
        }
        return d;
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    private static void allow(Map<String, String> params, String endpoint, String... names) {
        Set<String> allowed = new TreeSet<>(List.of(names));
        allowed.add("scope");
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw new IllegalArgumentException("unknown parameter '" + e.getKey() + "' for /telemetry/v1/" + endpoint
                        + "; allowed: " + String.join(", ", allowed));
            }
        }
        String scope = params.get("scope");
        if (scope != null && !scope.equals("local") && !scope.equals("all")) {
            throw new IllegalArgumentException("parameter 'scope' must be 'local' or 'all', got '" + scope + "'");
        }
    }

    private static String required(Map<String, String> params, String name) {
        String v = params.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("parameter '" + name + "' is required");
        }
        return v;
    }

    private static int integer(Map<String, String> params, String name, int fallback, int min, int max) {
        String raw = params.get(name);
        if (raw == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the allowed range
        }
        throw new IllegalArgumentException("parameter '" + name + "' must be an integer from " + min + " to " + max
                + ", got '" + raw + "'");
    }

    private static boolean bool(Map<String, String> params, String name) {
        String raw = params.get(name);
        if (raw == null) {
            return false;
        }
        return switch (raw) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("parameter '" + name + "' must be 'true' or 'false', got '" + raw + "'");
        };
    }

    private static <E extends Enum<E>> E choice(Map<String, String> params, String name, String fallback, Class<E> type) {
        String raw = params.getOrDefault(name, fallback);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(raw) && raw.equals(raw.toLowerCase(java.util.Locale.ROOT))) {
                return e;
            }
        }
        List<String> allowed = java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(java.util.Locale.ROOT)).toList();
        throw new IllegalArgumentException("parameter '" + name + "' must be one of " + String.join("|", allowed)
                + ", got '" + raw + "'");
    }
}
