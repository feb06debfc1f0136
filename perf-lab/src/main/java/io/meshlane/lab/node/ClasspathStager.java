package io.meshlane.lab.node;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The sidecar runs as uid 1337, which cannot read root's Maven repository (/root is 0700).
 * Class-path entries that others cannot read are copied into the lab's run directory.
 */
public final class ClasspathStager {
    private ClasspathStager() {
    }

    public static String readableByAll(String classpath, Path stagingDir) {
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path p = Path.of(entry).toAbsolutePath();
            if (!Files.exists(p) || worldReadable(p)) {
                out.add(p.toString());
                continue;
            }
            Path target = stagingDir.resolve((n++) + "-" + p.getFileName());
            copy(p, target);
            out.add(target.toString());
        }
        return String.join(File.pathSeparator, out);
    }

    static boolean worldReadable(Path p) {
        try {
            Set<PosixFilePermission> own = Files.getPosixFilePermissions(p);
            if (!own.contains(PosixFilePermission.OTHERS_READ)) {
                return false;
            }
            if (Files.isDirectory(p) && !own.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
            for (Path parent = p.getParent(); parent != null; parent = parent.getParent()) {
                if (!Files.getPosixFilePermissions(parent).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    return s.allMatch(f -> perms(f).contains(PosixFilePermission.OTHERS_READ));
                }
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private static Set<PosixFilePermission> perms(Path f) {
        try {
            return Files.getPosixFilePermissions(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path source, Path target) {
        try {
            Files.createDirectories(target.getParent());
            openUp(target.getParent());
            if (Files.isDirectory(source)) {
                try (Stream<Path> s = Files.walk(source)) {
                    for (Path f : s.toList()) {
                        Path t = target.resolve(source.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(f, t);
                        }
                        openUp(t);
                    }
                }
            } else {
                Files.copy(source, target);
                openUp(target);
            }
        } catch (IOException e) {
            throw new LabException("cannot stage class-path entry " + source + " for the sidecar (uid 1337) into "
                    + target + ": " + e.getMessage(), e);
        }
    }

    private static void openUp(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
    }
}
