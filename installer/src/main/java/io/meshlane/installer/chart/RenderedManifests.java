package io.meshlane.installer.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Helm's rendered stream split into its objects, each written as {@code NN-kind-name.yaml} in Helm's install order. */
public final class RenderedManifests {

    private final List<String> documents;
    private final List<String> names;

    private RenderedManifests(List<String> documents, List<String> names) {
        this.documents = documents;
        this.names = names;
    }

    public static RenderedManifests parse(String yamlStream) throws IOException {
        List<String> documents = new ArrayList<>();
        List<String> names = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String doc : yamlStream.split("(?m)^---\\s*$")) {
            JsonNode node = json.readTree(new YAMLFactory().createParser(doc));
            if (node == null || node.isEmpty() || node.isMissingNode()) {
                continue;
            }
            documents.add(doc.strip() + "\n");
            names.add(node.path("kind").asText().toLowerCase(Locale.ROOT) + "-" + node.at("/metadata/name").asText());
        }
        return new RenderedManifests(documents, names);
    }

    /** Writes every object into {@code dir} and returns the files, in the order Helm rendered them. */
    public List<Path> writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            Path file = dir.resolve(String.format("%02d-%s.yaml", i, names.get(i)));
            Files.writeString(file, documents.get(i));
            written.add(file);
        }
        return written;
    }
}
