package io.meshlane.installer.cli;

import io.meshlane.installer.image.ImageBuilder;
import io.meshlane.installer.image.ImageSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code meshlane image}: the node-agent and mesh-control OCI images, built offline into podman's store. */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Build the meshlane/node-agent and meshlane/mesh-control images offline (mmdebstrap, jlink, podman build);"
                + " they land in podman's local store and as OCI archives under installer/target/images/.")
public final class ImageCommand implements Callable<Integer> {

    @Option(names = "--only", description = "Build only this image: node-agent or mesh-control.")
    String only;

    @Override
    public Integer call() {
        Path home = Path.of(System.getProperty("meshlane.home", "."));
        ImageBuilder builder = new ImageBuilder(home, version(home), line -> System.out.println("meshlane image: " + line));
        for (ImageSpec spec : List.of(ImageSpec.nodeAgent(), ImageSpec.meshControl())) {
            if (only == null || only.equals(spec.name())) {
                Path archive = builder.build(spec);
                System.out.println(spec.repository() + ":" + builder.tag() + "  (podman store: localhost/" + spec.repository() + ":"
                        + builder.tag() + ", archive: " + archive + ")");
            }
        }
        return 0;
    }

    /** The project version from the root pom: the chart's appVersion names the same tag. */
    private static String version(Path home) {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("<artifactId>meshlane</artifactId>\\s*<version>([^<]+)</version>")
                    .matcher(java.nio.file.Files.readString(home.resolve("pom.xml")));
            if (m.find()) {
                return m.group(1);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new io.meshlane.installer.image.ImageException("no project version in " + home.resolve("pom.xml"));
    }
}
