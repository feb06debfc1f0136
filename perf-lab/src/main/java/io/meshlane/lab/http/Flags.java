package io.meshlane.lab.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} command-line options of the lab's HTTP processes; repeatable ones keep every value. */
final class Flags {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final String program;

    Flags(String program, String[] args) {
        this.program = program;
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException(program + ": options come in pairs (--name value), got " + List.of(args));
        }
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException(program + ": expected an option name, got '" + args[i] + "'");
            }
            values.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[i + 1]);
        }
    }

    String required(String name) {
        List<String> v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException(program + ": missing --" + name);
        }
        return v.getLast();
    }

    String get(String name, String fallback) {
        List<String> v = values.get(name);
        return v == null ? fallback : v.getLast();
    }

    int integer(String name, int fallback) {
        String v = get(name, null);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(program + ": --" + name + " must be an integer, got '" + v + "'");
        }
    }

    double decimal(String name, double fallback) {
        String v = get(name, null);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(program + ": --" + name + " must be a number, got '" + v + "'");
        }
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }
}
