package io.meshlane.control.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Command-line sizes (Kubernetes style: 512Mi, 2Gi, 100M) and durations (500ms, 15s, 5m, 1h). */
final class Quantities {

    private static final Pattern SIZE = Pattern.compile("(\\d+)(Ki|Mi|Gi|K|M|G)?");
    private static final Pattern TIME = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Quantities() {
    }

    static long bytes(String text, String option) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " must be a size like 256Mi, 2Gi or 500M, not \"" + text + "\"");
        }
        long unit = switch (m.group(2) == null ? "" : m.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "K" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            default -> 1L;
        };
        return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    }

    static Duration duration(String text, String option) {
        Matcher m = TIME.matcher(text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException(option + " must be a positive duration like 500ms, 15s, 5m or 1h, not \"" + text + "\"");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
