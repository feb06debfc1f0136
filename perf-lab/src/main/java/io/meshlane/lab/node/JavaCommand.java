package io.meshlane.lab.node;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** Command lines for the lab's Java processes: the same JDK and class path as this process. */
public final class JavaCommand {
    private JavaCommand() {
    }

    public static String java() {
        return ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + "/bin/java");
    }

    /**
     * This JVM's class path, with manifest-only jars (a {@code Class-Path} manifest, as launchers
     * and surefire write them) expanded into their entries so that the entries can be staged.
     */
    public static String currentClasspath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            entries.add(entry);
            entries.addAll(manifestClassPath(Path.of(entry)));
        }
        return String.join(File.pathSeparator, entries);
    }

    private static List<String> manifestClassPath(Path jar) {
        if (!jar.toString().endsWith(".jar") || !Files.isRegularFile(jar)) {
            return List.of();
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null || classPath.isBlank()) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            URI base = jar.toAbsolutePath().getParent().toUri();
            for (String ref : classPath.trim().split("\\s+")) {
                try {
                    URI uri = base.resolve(ref);
                    out.add("file".equals(uri.getScheme()) ? Path.of(uri).toString() : ref);
                } catch (IllegalArgumentException e) {
                    out.add(ref);
                }
            }
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    public static List<String> of(String classpath, String mainClass, List<String> args) {
        List<String> argv = new ArrayList<>(List.of(java(),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-XX:+UseSerialGC", "-Xms32m", "-Xmx192m", "-XX:-UsePerfData",
                "-Djava.awt.headless=true", "-Dio.netty.leakDetection.level=disabled",
                "-cp", classpath, mainClass));
        argv.addAll(args);
        return argv;
    }
}
