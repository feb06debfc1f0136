package io.meshlane.installer.cli;

import java.nio.file.Path;
import java.util.regex.Pattern;

/** Commands printed for a user to paste: the launcher as it runs from where they are, words quoted for a POSIX shell. */
final class ShellWords {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private ShellWords() {
    }

    /**
     * The checkout's {@code ./meshlane} when the user is in the checkout, else its absolute path: there is no
     * {@code meshlane} on the PATH. The launcher passes the checkout as {@code -Dmeshlane.home}.
     */
    static String launcher() {
        String home = System.getProperty("meshlane.home");
        if (home == null) {
            return "./meshlane";
        }
        Path checkout = Path.of(home).toAbsolutePath().normalize();
        Path here = Path.of("").toAbsolutePath().normalize();
        return checkout.equals(here) ? "./meshlane" : quote(checkout.resolve("meshlane").toString());
    }

    static String quote(String word) {
        return PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    static String quote(Path path) {
        return quote(path.toString());
    }
}
