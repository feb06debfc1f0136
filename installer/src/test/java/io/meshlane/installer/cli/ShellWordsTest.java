package io.meshlane.installer.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What {@code meshlane up} prints must survive being pasted into a shell: checked with the real bash. */
class ShellWordsTest {

    @Test
    void quotedWordsReachTheCommandUnchanged() throws Exception {
        for (String word : List.of("/root/.meshlane/kubeconfig", "/home/a user/.meshlane/kubeconfig", "it's here", "$HOME", "a;b")) {
            Process p = new ProcessBuilder("bash", "-c", "printf %s " + ShellWords.quote(word)).start();
            assertEquals(word, new String(p.getInputStream().readAllBytes()), "bash reads " + ShellWords.quote(word));
            assertEquals(0, p.waitFor());
        }
        assertEquals("/tmp/plain-path", ShellWords.quote("/tmp/plain-path"), "a plain path is printed as it is");
    }

    @Test
    void theLauncherIsNamedAsItRunsFromWhereTheUserIs() {
        String before = System.getProperty("meshlane.home");
        try {
            System.setProperty("meshlane.home", Path.of("").toAbsolutePath().toString());
            assertEquals("./meshlane", ShellWords.launcher(), "in the checkout");
            System.setProperty("meshlane.home", "/opt/my checkout");
            assertEquals("'/opt/my checkout/meshlane'", ShellWords.launcher(), "anywhere else: the launcher's full path");
        } finally {
            if (before == null) {
                System.clearProperty("meshlane.home");
            } else {
                System.setProperty("meshlane.home", before);
            }
        }
    }
}
