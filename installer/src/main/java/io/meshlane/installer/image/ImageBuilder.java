package io.meshlane.installer.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Builds an image offline in three layers, lowest changing least: a Debian root file system from mmdebstrap
 * (imported as a base image, kept while its package list is the same), a jlinked Java runtime (kept while the
 * module set jdeps finds is the same), the third-party jars, then meshlane's own jars on top. podman build's layer
 * cache keys COPY layers by content, so a code-only change rebuilds only the top layer.
 */
public final class ImageBuilder {

    private static final String MIRROR = "http://deb.debian.org/debian";
    private static final String SUITE = "bookworm";

    /** Modules jdeps cannot see: elliptic-curve TLS (loaded as a provider), DNS lookups through JNDI. */
    private static final List<String> EXTRA_MODULES = List.of("jdk.crypto.ec", "jdk.naming.dns", "jdk.zipfs");

    private final Path home;
    private final Path out;
    private final String version;
    private final Path javaHome;
    private final Consumer<String> log;

    public ImageBuilder(Path home, String version, Consumer<String> log) {
        this.home = home;
        this.out = home.resolve("installer/target/images");
        this.version = version;
        this.javaHome = Path.of(System.getProperty("java.home"));
        this.log = log;
    }

    /** The tag both the images and the chart's default appVersion use: the project version as it stands. */
    public String tag() {
        return version;
    }

    /** Builds the image, saves it as an OCI archive and returns the archive. */
    public Path build(ImageSpec spec) {
        try {
            Path context = out.resolve("context").resolve(spec.name());
            Path moduleImage = home.resolve(spec.module()).resolve("target/image");
            Path moduleJar = home.resolve(spec.module()).resolve("target/" + spec.module() + "-" + version + ".jar");
            if (!Files.isRegularFile(moduleJar) || !Files.isDirectory(moduleImage.resolve("lib"))) {
                throw new ImageException(moduleJar + " or " + moduleImage + "/lib is missing: build first (mvn install -DskipTests)");
            }
            String base = baseImage(spec);
            refresh(context.resolve("lib"), moduleImage.resolve("lib"), List.of());
            refresh(context.resolve("app"), moduleImage.resolve("app"), List.of(moduleJar));
            Path runtime = runtime(context);
            Files.writeString(context.resolve("Containerfile"), containerfile(spec, base));
            log.accept(spec.repository() + ": podman build (" + base + " + java runtime + jars)");
            long started = System.nanoTime();
            Processes.run(List.of("podman", "build", "--layers", "--format", "oci", "-t", spec.repository() + ":" + tag(),
                    "-f", context.resolve("Containerfile").toString(), "--build-context", "java=" + runtime, context.toString()), home);
            log.accept(spec.repository() + ": built in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            Path archive = out.resolve(spec.name() + "-" + tag() + ".oci.tar");
            Files.deleteIfExists(archive);
            Processes.run(List.of("podman", "save", "--format", "oci-archive", "-o", archive.toString(),
                    "localhost/" + spec.repository() + ":" + tag()), home);
            return archive;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String containerfile(ImageSpec spec, String base) {
        return "FROM " + base + "\n"
                + "COPY --from=java . /opt/java\n"
                + "COPY lib /opt/meshlane/lib\n"
                + "COPY app /opt/meshlane/app\n"
                + "USER " + spec.user() + "\n"
                + "WORKDIR /tmp\n"
                + "LABEL org.opencontainers.image.title=\"" + spec.repository() + "\" org.opencontainers.image.version=\"" + tag() + "\"\n"
                + "ENTRYPOINT [\"/opt/java/bin/java\", \"--enable-native-access=ALL-UNNAMED\", \"-cp\", "
                + "\"/opt/meshlane/app/*:/opt/meshlane/lib/*\", \"" + spec.mainClass() + "\"]\n";
    }

    /** The Debian base: kept in podman's store under a tag naming its package list, made only when that tag is absent. */
    private String baseImage(ImageSpec spec) throws IOException {
        String ref = "localhost/meshlane/base-" + spec.name() + ":" + digest(String.join(",", spec.packages()) + SUITE);
        if (Processes.run(List.of("podman", "images", "-q", ref), home).isBlank()) {
            log.accept(spec.repository() + ": making the Debian " + SUITE + " base with mmdebstrap (" + spec.packages() + ")");
            Path rootfs = out.resolve("base-" + spec.name());
            Path tar = out.resolve("base-" + spec.name() + ".tar");
            Processes.run(List.of("rm", "-rf", rootfs.toString()), home);
            Files.createDirectories(rootfs);
            // extract unpacks the packages without running maintainer scripts, and it runs no hooks: trim afterwards
            Processes.run(List.of("mmdebstrap", "--variant=extract", "--format=directory", "--include=" + String.join(",", spec.packages()),
                    SUITE, rootfs.toString(), MIRROR), home);
            Processes.run(List.of("sh", "-c", TRIM, "trim", rootfs.toString()), home);
            Processes.run(List.of("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", tar.toString(), "."), home);
            Processes.run(List.of("podman", "import", tar.toString(), ref), home);
            Files.delete(tar);
            Processes.run(List.of("rm", "-rf", rootfs.toString()), home);
        }
        return ref;
    }

    /**
     * extract runs no maintainer scripts: this writes what they would (users, the CA bundle, /tmp) and drops
     * what an image never reads (documentation, man pages, locales, apt's caches).
     */
    private static final String TRIM = "rm -rf \"$1\"/usr/share/doc \"$1\"/usr/share/man \"$1\"/usr/share/locale "
            + "\"$1\"/usr/share/info \"$1\"/usr/share/lintian \"$1\"/var/cache/apt \"$1\"/var/lib/apt/lists; "
            + "mkdir -p \"$1\"/tmp \"$1\"/etc/ssl/certs \"$1\"/root; chmod 1777 \"$1\"/tmp; "
            + "cat \"$1\"/usr/share/ca-certificates/mozilla/*.crt > \"$1\"/etc/ssl/certs/ca-certificates.crt; "
            + "printf 'root:x:0:0:root:/root:/usr/sbin/nologin\\nnonroot:x:65532:65532:nonroot:/tmp:/usr/sbin/nologin\\n' > \"$1\"/etc/passwd; "
            + "printf 'root:x:0:\\nnonroot:x:65532:\\n' > \"$1\"/etc/group";

    /** jlink of the modules jdeps finds in the jars (plus those only loaded by name), kept while that set is the same. */
    private Path runtime(Path context) throws IOException {
        Path jars = context.resolve("jars.list");
        Path modulesFile = context.resolve("modules");
        String jarSet = String.join("\n", listing(context.resolve("lib"))) + "\n" + String.join("\n", listing(context.resolve("app")));
        String modules;
        if (Files.exists(jars) && Files.readString(jars).equals(jarSet) && Files.exists(modulesFile)) {
            modules = Files.readString(modulesFile).strip();
        } else {
            log.accept("jdeps: finding the JDK modules the jars use");
            List<String> command = new ArrayList<>(List.of(javaHome.resolve("bin/jdeps").toString(), "--ignore-missing-deps", "-q",
                    "--multi-release", "25", "--print-module-deps", "--class-path", context.resolve("lib") + "/*"));
            try (Stream<Path> app = Files.list(context.resolve("app"))) {
                app.sorted().forEach(p -> command.add(p.toString()));
            }
            TreeSet<String> set = new TreeSet<>(List.of(Processes.run(command, home).strip().split(",")));
            set.addAll(EXTRA_MODULES);
            modules = String.join(",", set);
            Files.writeString(modulesFile, modules);
            Files.writeString(jars, jarSet);
        }
        Path runtime = out.resolve("runtime").resolve(digest(modules + Runtime.version()));
        if (!Files.isDirectory(runtime)) {
            log.accept("jlink: a Java " + Runtime.version().feature() + " runtime of " + modules);
            Files.createDirectories(runtime.getParent());
            Processes.run(List.of(javaHome.resolve("bin/jlink").toString(), "--add-modules", modules, "--strip-debug", "--no-man-pages",
                    "--no-header-files", "--compress=zip-6", "--output", runtime.toString()), home);
        }
        return runtime;
    }

    /** Makes dir hold exactly the jars of from (and extra): a jar left from an older dependency set must not linger. */
    private static void refresh(Path dir, Path from, List<Path> extra) throws IOException {
        Files.createDirectories(dir);
        List<Path> wanted = new ArrayList<>(extra);
        try (Stream<Path> s = Files.list(from)) {
            s.forEach(wanted::add);
        }
        List<String> names = wanted.stream().map(p -> p.getFileName().toString()).toList();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path old : s.toList()) {
                if (!names.contains(old.getFileName().toString())) {
                    Files.delete(old);
                }
            }
        }
        for (Path jar : wanted) {
            Path target = dir.resolve(jar.getFileName());
            if (!Files.exists(target) || Files.mismatch(jar, target) != -1) {
                Files.copy(jar, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
