package io.meshlane.control.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.http.Json;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every Kubernetes CEL library function meshlane serves, through a small CRD's rules
 * ({@code crd/cel-libraries.yaml}): what a user writing such a rule sees accepted, and the
 * apiserver's message for what is rejected.
 */
class CelLibrariesTest {

    private static final JsonNode SCHEMA = schema();
    private final SchemaValidator validator = new SchemaValidator(new CelRuleEngine());

    private static JsonNode schema() {
        try (InputStream in = CelLibrariesTest.class.getResourceAsStream("/crd/cel-libraries.yaml")) {
            return Json.request(in.readAllBytes(), "yaml").at("/spec/versions/0/schema/openAPIV3Schema");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> errors(String spec) {
        return errors(spec, null);
    }

    private List<String> errors(String spec, String oldSpec) {
        ObjectNode object = (ObjectNode) Json.request(("{\"spec\":" + spec + "}").getBytes(), "json");
        ObjectNode old = oldSpec == null ? null : (ObjectNode) Json.request(("{\"spec\":" + oldSpec + "}").getBytes(), "json");
        List<String> out = new ArrayList<>();
        validator.validate(object, old, SCHEMA).forEach(e -> out.add(e.text()));
        return out;
    }

    private void accepted(String spec) {
        assertEquals(List.of(), errors(spec), spec);
    }

    private void rejected(String spec, String expected) {
        List<String> errors = errors(spec);
        assertEquals(List.of(expected), errors, spec);
    }

    @Test
    void urlsAndTheirAccessors() {
        accepted("{\"endpoint\": \"https://idp.example:8443/v1/keys?a=1&a=2\"}");
        accepted("{\"endpoint\": \"http://[::1]:80/v1/with space\"}");
        rejected("{\"endpoint\": \"/v1/local\"}", "spec.endpoint: Invalid value: \"/v1/local\": url must have scheme http:// or https://");
        rejected("{\"endpoint\": \"ftp://idp.example/v1\"}",
                "spec.endpoint: Invalid value: \"ftp://idp.example/v1\": url must have scheme http:// or https://");
        rejected("{\"endpoint\": \"https://blocked.example/v1\"}", "spec.endpoint: Invalid value: \"https://blocked.example/v1\": host is blocked");
        rejected("{\"endpoint\": \"https://[::1]:1/v1\"}", "spec.endpoint: Invalid value: \"https://[::1]:1/v1\": host is blocked");
        rejected("{\"endpoint\": \"https://a.example:10001/v1\"}", "spec.endpoint: Invalid value: \"https://a.example:10001/v1\": port must be below 10000");
        rejected("{\"endpoint\": \"https://a.example/v2\"}", "spec.endpoint: Invalid value: \"https://a.example/v2\": path must start with /v1");
        rejected("{\"endpoint\": \"https://a.example/v1?debug\"}", "spec.endpoint: Invalid value: \"https://a.example/v1?debug\": no debug query");
        List<String> relative = errors("{\"endpoint\": \"../keys\"}");
        assertTrue(relative.contains("spec.endpoint: Invalid value: \"../keys\": must be a URL"), relative.toString());
        assertTrue(relative.contains("spec.endpoint: Invalid value: \"../keys\": URL parse error during conversion from string:"
                + " parse \"../keys\": invalid URI for request evaluating rule: url must have scheme http:// or https://"), relative.toString());
    }

    @Test
    void durationsAsKubernetesAcceptsThem() {
        accepted("{\"timeout\": \"1ms\"}");
        accepted("{\"timeout\": \"1h\"}");
        accepted("{\"timeout\": \"1m30s\"}");
        accepted("{\"timeout\": \"2.5s\"}");
        rejected("{\"timeout\": \"2h\"}", "spec.timeout: Invalid value: \"2h\": must be a valid duration between 1ms and 1h");
        rejected("{\"timeout\": \"500us\"}", "spec.timeout: Invalid value: \"500us\": must be a valid duration between 1ms and 1h");
        List<String> bad = errors("{\"timeout\": \"soon\"}");
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.getFirst().startsWith("spec.timeout: Invalid value: \"soon\": ")
                && bad.getFirst().endsWith(" evaluating rule: must be a valid duration between 1ms and 1h"), bad.toString());
    }

    @Test
    void quantitiesAndTheirMethods() {
        accepted("{\"memory\": \"512Mi\"}");
        accepted("{\"memory\": \"1.5\"}");
        accepted("{\"memory\": \"2e3\"}");
        rejected("{\"memory\": \"3\"}", "spec.memory: Invalid value: \"3\": whole amounts must be even");
        rejected("{\"memory\": \"1Gi\"}", "spec.memory: Invalid value: \"1Gi\": must be positive and below 1Gi");
        assertEquals(List.of("spec.memory: Invalid value: \"-1k\": must be positive and below 1Gi",
                "spec.memory: Invalid value: \"-1k\": must be at least 1"), errors("{\"memory\": \"-1k\"}"));
        rejected("{\"memory\": \"500m\"}", "spec.memory: Invalid value: \"500m\": must be at least 1");
        List<String> bad = errors("{\"memory\": \"12 apples\"}");
        assertTrue(bad.contains("spec.memory: Invalid value: \"12 apples\": must be a quantity"), bad.toString());
        assertTrue(bad.contains("spec.memory: Invalid value: \"12 apples\": quantities must match the regular expression"
                + " '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' evaluating rule: must be positive and below 1Gi"), bad.toString());
    }

    @Test
    void regexFindAndFindAll() {
        List<String> ok = errors("{\"version\": \"v1.2\"}");
        assertEquals(List.of("spec.version: Invalid value: \"v1.2\": Illegal regex: Unclosed group in `(` evaluating rule: broken regex"), ok);
        List<String> none = errors("{\"version\": \"latest\"}");
        assertTrue(none.contains("spec.version: Invalid value: \"latest\": must contain a number"), none.toString());
        List<String> many = errors("{\"version\": \"1.2.3.4\"}");
        assertTrue(many.contains("spec.version: Invalid value: \"1.2.3.4\": at most three numbers"), many.toString());
    }

    @Test
    void mapKeysConvertedWithInt() {
        accepted("{\"ports\": {\"8080\": \"STRICT\", \"1\": \"PERMISSIVE\"}}");
        rejected("{\"ports\": {\"0\": \"STRICT\"}}", "spec.ports: Invalid value: \"object\": port must be between 1-65535");
        rejected("{\"ports\": {\"70000\": \"STRICT\"}}", "spec.ports: Invalid value: \"object\": port must be between 1-65535");
        List<String> notNumber = errors("{\"ports\": {\"http\": \"STRICT\"}}");
        assertEquals(1, notNumber.size(), notNumber.toString());
        assertTrue(notNumber.getFirst().startsWith("spec.ports: Invalid value: \"object\": ")
                && notNumber.getFirst().endsWith(" evaluating rule: port must be between 1-65535"), notNumber.toString());
    }

    @Test
    void listsLibrary() {
        accepted("{\"weights\": [0, 7, 20, 60], \"scores\": [1.5, 9.0, 3]}");
        accepted("{\"weights\": [5]}");
        rejected("{\"weights\": [20, 10]}", "spec.weights: Invalid value: \"array\": must be sorted");
        rejected("{\"weights\": [50, 60]}", "spec.weights: Invalid value: \"array\": must sum to at most 100, each 0..60");
        rejected("{\"weights\": [7, 7]}", "spec.weights: Invalid value: \"array\": 7 may appear once");
        rejected("{\"scores\": [0.5, 11]}", "spec.scores: Invalid value: \"array\": scores must lie within 10");
        rejected("{\"scores\": []}", "spec.scores: Invalid value: \"array\": max called on empty list evaluating rule: scores must lie within 10");
    }

    @Test
    void setsLibrary() {
        accepted("{\"tags\": [\"owned\", \"blue\"]}");
        accepted("{\"tags\": [\"frozen\", \"owned\"]}");
        rejected("{\"tags\": [\"blue\"]}", "spec.tags: Invalid value: \"array\": must be owned and not banned");
        rejected("{\"tags\": [\"owned\", \"evil\"]}", "spec.tags: Invalid value: \"array\": must be owned and not banned");
        rejected("{\"tags\": [\"owned\", \"frozen\", \"owned\"]}", "spec.tags: Invalid value: \"array\": frozen sets are exactly two");
    }

    @Test
    void transitionRulesRunOnlyOnUpdatesWithAnOldValue() {
        assertEquals(List.of(), errors("{\"replicas\": 1}"), "a create has no oldSelf");
        assertEquals(List.of(), errors("{\"replicas\": 1}", "{}"), "no old value for the field");
        assertEquals(List.of(), errors("{\"replicas\": 3}", "{\"replicas\": 2}"));
        assertEquals(List.of("spec.replicas: Invalid value: 1: replicas may not decrease"), errors("{\"replicas\": 1}", "{\"replicas\": 2}"));
        String old = "{\"rules\": [{\"name\": \"a\", \"limit\": 1}]}";
        assertEquals(List.of(), errors("{\"rules\": [{\"name\": \"b\", \"limit\": 5}, {\"name\": \"a\", \"limit\": 1}]}", old),
                "list-map elements correlate by key, wherever they move");
        assertEquals(List.of("spec.rules[1].limit: Invalid value: 2: limit is immutable"),
                errors("{\"rules\": [{\"name\": \"b\", \"limit\": 5}, {\"name\": \"a\", \"limit\": 2}]}", old));
    }

    @Test
    void exclusiveFieldsOnTheObject() {
        accepted("{\"targetRef\": {\"kind\": \"Service\"}}");
        rejected("{\"targetRef\": {\"kind\": \"Service\"}, \"targetRefs\": [{\"kind\": \"Service\"}]}",
                "spec: Invalid value: \"object\": only one of targetRef or targetRefs can be set");
    }
}
