package io.meshlane.agent.datapath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The running kernel's major.minor, from /proc/sys/kernel/osrelease. */
record KernelVersion(int major, int minor, String release) {

    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

    static KernelVersion running() {
        try {
            return parse(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
        } catch (IOException e) {
            return new KernelVersion(0, 0, "unknown");
        }
    }

    static KernelVersion parse(String release) {
        Matcher m = VERSION.matcher(release);
        return m.find() ? new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), release)
                : new KernelVersion(0, 0, release);
    }

    boolean atLeast(int wantMajor, int wantMinor) {
        return major > wantMajor || (major == wantMajor && minor >= wantMinor);
    }

    @Override
    public String toString() {
        return release;
    }
}
