package io.meshlane.control.telemetry.scrape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Prometheus text exposition format (0.0.4): "# TYPE" lines, comments, samples with optional labels
 * (escapes \\, \" and \n in values) and an optional millisecond timestamp. A line that cannot be read is
 * skipped and counted, the first reported with its line number; the rest of the scrape still counts.
 */
final class PrometheusTextParser {
    private final String line;
    private int pos;

    private PrometheusTextParser(String line) {
        this.line = line;
    }

    static Exposition parse(String text) {
        List<Exposition.Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        int bad = 0;
        String firstError = "";
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String l = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            String trimmed = l.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.startsWith("#")) {
                String[] parts = trimmed.substring(1).strip().split("\\s+", 3);
                if (parts.length == 3 && parts[0].equals("TYPE")) {
                    types.put(parts[1], parts[2].strip().toLowerCase(java.util.Locale.ROOT));
                }
                continue;
            }
            try {
                samples.add(new PrometheusTextParser(trimmed).sample());
            } catch (IllegalArgumentException e) {
                if (bad++ == 0) {
                    firstError = "line " + lineNo + ": " + e.getMessage() + ": " + abbreviate(trimmed);
                }
            }
        }
        return new Exposition(samples, types, bad, firstError);
    }

    private Exposition.Sample sample() {
        String name = name(true);
        Map<String, String> labels = new TreeMap<>();
        skipSpaces();
        if (peek() == '{') {
            pos++;
            labels(labels);
        }
        skipSpaces();
        String valueToken = token();
        if (valueToken.isEmpty()) {
            throw new IllegalArgumentException("sample " + name + " has no value");
        }
        double value = number(valueToken);
        skipSpaces();
        long ts = 0;
        String tsToken = token();
        if (!tsToken.isEmpty()) {
            try {
                ts = Long.parseLong(tsToken);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("timestamp '" + tsToken + "' is not an integer of milliseconds");
            }
        }
        skipSpaces();
        if (pos < line.length()) {
            throw new IllegalArgumentException("unexpected text after the timestamp at column " + (pos + 1));
        }
        return new Exposition.Sample(name, labels, value, ts);
    }

    private void labels(Map<String, String> out) {
        while (true) {
            skipSpaces();
            if (peek() == '}') {
                pos++;
                return;
            }
            String label = name(false);
            skipSpaces();
            expect('=');
            skipSpaces();
            expect('"');
            StringBuilder v = new StringBuilder();
            while (true) {
                if (pos >= line.length()) {
                    throw new IllegalArgumentException("label " + label + " has an unterminated value");
                }
                char c = line.charAt(pos++);
                if (c == '"') {
                    break;
                }
                if (c == '\\' && pos < line.length()) {
                    char e = line.charAt(pos++);
                    v.append(switch (e) {
                        case 'n' -> '\n';
                        case '\\' -> '\\';
                        case '"' -> '"';
                        default -> throw new IllegalArgumentException("label " + label + " has an unknown escape \\" + e);
                    });
                } else {
                    v.append(c);
                }
            }
            out.put(label, v.toString());
            skipSpaces();
            if (peek() == ',') {
                pos++;
            } else if (peek() != '}') {
                throw new IllegalArgumentException("expected ',' or '}' after label " + label + " at column " + (pos + 1));
            }
        }
    }

    private String name(boolean metric) {
        int start = pos;
        while (pos < line.length()) {
            char c = line.charAt(pos);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (metric && c == ':')
                    || (pos > start && c >= '0' && c <= '9');
            if (!ok) {
                break;
            }
            pos++;
        }
        if (pos == start) {
            throw new IllegalArgumentException("expected a " + (metric ? "metric" : "label") + " name at column " + (start + 1));
        }
        return line.substring(start, pos);
    }

    private static double number(String token) {
        return switch (token) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(token);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("value '" + token + "' is not a number");
                }
            }
        };
    }

    private String token() {
        int start = pos;
        while (pos < line.length() && line.charAt(pos) != ' ' && line.charAt(pos) != '\t') {
            pos++;
        }
        return line.substring(start, pos);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw new IllegalArgumentException("expected '" + c + "' at column " + (pos + 1));
        }
        pos++;
    }

    private char peek() {
        return pos < line.length() ? line.charAt(pos) : '\0';
    }

    private void skipSpaces() {
        while (pos < line.length() && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) {
            pos++;
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
