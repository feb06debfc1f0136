package io.meshlane.installer.cli;

import io.meshlane.installer.image.ImageBuilder;
import io.meshlane.installer.image.ImageException;
import io.meshlane.installer.image.ImageSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code meshlane image}: the node-agent and mesh-control OCI images, built offline into podman's store. */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Build the meshlane/node-agent and meshlane/mesh-control images offline (mmdebstrap, jlink, podman build);"
                + " they land in podman's local store and as OCI archives under installer/target/images/.")
public final class ImageCommand implements Callable<Integer> {

    private static final Pattern VERSION = Pattern.compile("<artifactId>meshlane</artifactId>\\s*<version>([^<]+)</version>");

    @Option(names = "--only", description = "Build only this image: node-agent or mesh-control.")
    String only;

    @Override
    public Integer call() {
        Path home = Path.of(System.getProperty("meshlane.home", "."));
        try {
            ImageBuilder builder = new ImageBuilder(home, version(home), line -> System.out.println("meshlane image: " + line));
            for (ImageSpec spec : List.of(ImageSpec.nodeAgent(), ImageSpec.meshControl())) {
                if (only == null || only.equals(spec.name())) {
                    Path archive = builder.build(spec);
                    System.out.println(spec.repository() + ":" + builder.tag() + "  (podman store: localhost/" + spec.repository()
                            + ":" + builder.tag() + ", archive: " + archive + ")");
                }
            }
            return 0;
        } catch (ImageException e) {
            System.err.println("meshlane image: " + e.getMessage());
            return 1;
        }
    }

    /** The project version from the root pom: the chart's appVersion names the same tag. */
    private static String version(Path home) {
        Path pom = home.resolve("pom.xml");
        try {
            Matcher m = VERSION.matcher(Files.readString(pom));
            if (m.find()) {
                return m.group(1);
            }
            throw new ImageException("no project version in " + pom);
        } catch (IOException e) {
            throw new ImageException("cannot read the project version from " + pom + " (" + e + "): run ./meshlane image from a checkout");
        }
    }
}
