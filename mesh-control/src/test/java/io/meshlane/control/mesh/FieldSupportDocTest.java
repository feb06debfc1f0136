package io.meshlane.control.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/istio-fields.md is made from field-support.yaml, so the table users read is the rule the server
 * applies. When the catalogue changes, regenerate it with
 * {@code mvn -pl mesh-control test -Dtest=FieldSupportDocTest -Dmeshlane.docs.write=true}.
 */
class FieldSupportDocTest {
    private static final Path DOC = Path.of("docs", "istio-fields.md");

    @Test
    void theDocsTableIsTheCatalogue() throws IOException {
        String expected = markdown(FieldSupport.istio());
        if (Boolean.getBoolean("meshlane.docs.write")) {
            Files.writeString(DOC, expected);
        }
        assertEquals(expected, Files.readString(DOC), DOC.toAbsolutePath()
                + " differs from field-support.yaml; regenerate it (see this test's comment)");
    }

    static String markdown(FieldSupport support) {
        Map<String, List<FieldSupport.Row>> byKind = new LinkedHashMap<>();
        support.rows().forEach(r -> byKind.computeIfAbsent(r.kind(), k -> new java.util.ArrayList<>()).add(r));
        StringBuilder md = new StringBuilder("""
                # Istio fields meshlane acts on

                Generated from `src/main/resources/io/meshlane/control/mesh/field-support.yaml`, the list the
                control plane applies: an object that uses a field marked *not supported* (or one not listed) is
                stored, as Istio's API allows, but `kubectl apply` prints a warning for each such field
                (`Warning: VirtualService shop/reviews: field spec.http[0].match[0].scheme is not supported by
                meshlane and has no effect`) and the object's status gets the condition `FieldsSupported`
                (`status: "False"`, the fields in its message), which `kubectl get -o yaml` shows.
                `[]` marks an array's items, `*` any key of a map; a row for an object covers every field below it.

                """);
        byKind.forEach((kind, rows) -> {
            md.append("## ").append(kind).append("\n\n");
            if (rows.size() == 1 && rows.getFirst().path().isEmpty()) {
                FieldSupport.Row r = rows.getFirst();
                md.append("Not supported: meshlane does not translate ").append(kind).append(" objects")
                        .append(r.note().isEmpty() ? "." : " (" + r.note() + ").").append("\n\n");
                return;
            }
            md.append("| field (under `spec`) | Envoy sidecars | proxyless gRPC | note |\n|---|---|---|---|\n");
            for (FieldSupport.Row r : rows) {
                boolean envoy = r.support() != FieldSupport.Support.UNSUPPORTED;
                boolean grpc = r.support() == FieldSupport.Support.BOTH;
                md.append("| `").append(r.path()).append("` | ").append(envoy ? "yes" : "not supported").append(" | ")
                        .append(grpc ? "yes" : envoy ? "ignored" : "not supported").append(" | ")
                        .append(r.note().replace("|", "\\|")).append(" |\n");
            }
            md.append('\n');
        });
        return md.toString();
    }
}
