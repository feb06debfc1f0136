package io.meshlane.control.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The documents of a validation file: each YAML document's text without its {@code _err} line,
 * and that expected error (null for valid documents). Split as text so the YAML reaches
 * kubectl exactly as written.
 */
public record Documents(String file, int index, String yaml, String expectedError, String name) {

    private static final Pattern ERR = Pattern.compile("^_err:\\s*(.*)$");
    private static final Pattern NAME = Pattern.compile("(?m)^  name:\\s*(\\S+)");

    public static List<Documents> read(Path file) throws IOException {
        List<Documents> out = new ArrayList<>();
        String[] docs = Files.readString(file).split("(?m)^---\\s*$");
        for (int i = 0; i < docs.length; i++) {
            String err = null;
            StringBuilder body = new StringBuilder();
            boolean content = false;
            for (String line : docs[i].split("\n")) {
                Matcher m = ERR.matcher(line);
                if (m.matches()) {
                    String v = m.group(1).trim();
                    err = (v.startsWith("'") || v.startsWith("\"")) ? v.substring(1, v.length() - 1) : v;
                    continue;
                }
                content |= !line.isBlank() && !line.trim().startsWith("#");
                body.append(line).append('\n');
            }
            if (content) {
                Matcher n = NAME.matcher(body);
                out.add(new Documents(file.getFileName().toString(), i, body.toString(), err, n.find() ? n.group(1) : "?"));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return file + "#" + index + " (" + name + ")";
    }
}
