package io.meshlane.control.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.TempDirs;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Kubernetes API semantics seen over raw HTTPS and kubectl: bad input (400/404/413/415/422,
 * with nothing stored changing), auth (401), selectors, paging, watch resume, bookmarks, 410.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiBehaviourTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String VS = "/apis/networking.istio.io/v1/namespaces/default/virtualservices";

    Path dataDir;
    ControlPlane plane;
    ApiClient api;
    Kubectl kubectl;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-api");
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0).withBookmarkMillis(200));
        api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
        kubectl = new Kubectl(plane.kubeconfig());
        for (int i = 0; i < 7; i++) {
            create("vs-" + i, i % 2 == 0 ? "even" : "odd");
        }
    }

    @AfterAll
    void stop() {
        plane.close();
        TempDirs.delete(dataDir);
    }

    HttpResponse<String> create(String name, String parity) {
        String body = """
                {"apiVersion":"networking.istio.io/v1","kind":"VirtualService",
                 "metadata":{"name":"%s","labels":{"parity":"%s"}},"spec":{"hosts":["%s"]}}""".formatted(name, parity, name);
        HttpResponse<String> r = api.send("POST", VS, "application/json", body.getBytes(StandardCharsets.UTF_8));
        assertEquals(201, r.statusCode(), r.body());
        return r;
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static void assertStatus(HttpResponse<String> r, int code, String reason, String messagePart) throws Exception {
        assertEquals(code, r.statusCode(), r.body());
        JsonNode status = json(r);
        assertEquals("Status", status.path("kind").asText(), r.body());
        assertEquals("Failure", status.path("status").asText(), r.body());
        assertEquals(code, status.path("code").asInt(), r.body());
        assertEquals(reason, status.path("reason").asText(), r.body());
        assertTrue(status.path("message").asText().contains(messagePart), r.body());
    }

    String snapshot() throws Exception {
        JsonNode list = JSON.readTree(kubectl.ok("get", "vs,crd", "-A", "-o", "json"));
        List<String> items = new ArrayList<>();
        list.path("items").forEach(i -> items.add(i.path("metadata").path("name").asText() + "@" + i.path("metadata").path("resourceVersion").asText()));
        return String.join(",", items) + "|" + plane.store().revision();
    }

    @Test
    void badInputIsRejectedAndChangesNothing() throws Exception {
        String before = snapshot();
        assertStatus(api.send("POST", VS, "application/json", "{\"apiVersion\": ".getBytes()), 400, "BadRequest", "not valid JSON");
        assertStatus(api.send("POST", VS, "application/yaml", "kind: [unclosed".getBytes()), 400, "BadRequest", "not valid YAML");
        Path badYaml = dataDir.resolve("bad.yaml");
        Files.writeString(badYaml, "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x\n");
        assertFalse(kubectl.run("apply", "-f", badYaml.toString()).ok(), "kubectl must refuse malformed YAML");

        byte[] huge = ("{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"huge\"},"
                + "\"spec\":{\"hosts\":[\"" + "h".repeat(4 * 1024 * 1024) + "\"]}}").getBytes();
        assertStatus(api.send("POST", VS, "application/json", huge), 413, "RequestEntityTooLarge", "limit is 3145728");

        assertStatus(api.get("/apis/networking.istio.io/v1/namespaces/default/frobnicators"), 404, "NotFound", "frobnicators");
        Kubectl.Result unknown = kubectl.run("get", "frobnicators");
        assertTrue(unknown.err().contains("the server doesn't have a resource type \"frobnicators\""), unknown.toString());
        assertStatus(api.get(VS + "/missing"), 404, "NotFound", "virtualservices.networking.istio.io \"missing\" not found");

        String nonStructural = """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata:
                  name: widgets.example.com
                spec:
                  group: example.com
                  scope: Namespaced
                  names: {kind: Widget, plural: widgets}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec:
                            properties:
                              size: {type: integer}
                """;
        Kubectl.Result crd = kubectl.runWithInput(nonStructural, "apply", "-f", "-");
        assertTrue(crd.err().contains("The CustomResourceDefinition \"widgets.example.com\" is invalid"), crd.toString());
        assertTrue(crd.err().contains("spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value"), crd.toString());
        HttpResponse<String> raw = api.send("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "application/yaml",
                nonStructural.getBytes());
        assertStatus(raw, 422, "Invalid", "is invalid");
        JsonNode causes = json(raw).path("details").path("causes");
        assertEquals("FieldValueRequired", causes.get(0).path("reason").asText());
        assertEquals("spec.versions[0].schema.openAPIV3Schema.properties[spec].type", causes.get(0).path("field").asText());

        Kubectl.Result strategic = kubectl.run("patch", "vs", "vs-1", "-p", "{\"spec\":{\"hosts\":[\"z\"]}}");
        assertTrue(strategic.err().contains("--type=merge"), strategic.toString());
        assertStatus(api.send("PATCH", VS + "/vs-1", "application/strategic-merge-patch+json", "{}".getBytes()), 415, "UnsupportedMediaType", "--type=merge");

        HttpResponse<String> anonymous = new ApiClient(plane.url(), plane.caCertificate(), null).get(VS);
        assertStatus(anonymous, 401, "Unauthorized", "Unauthorized");
        assertEquals(before, snapshot(), "rejected requests must not change what is stored");
    }

    @Test
    void unknownFieldsArePrunedOrRejectedWhenStrict() throws Exception {
        String doc = """
                apiVersion: meshlane.io/v1alpha1
                kind: AccelerationPolicy
                metadata: {name: pruned}
                spec:
                  acceleration: Enabled
                  colour: blue
                """;
        Kubectl.Result strict = kubectl.runWithInput(doc, "apply", "-f", "-");
        assertTrue(strict.err().contains("unknown field \"spec.colour\""), strict.toString());
        Kubectl.Result lax = kubectl.runWithInput(doc, "apply", "--validate=false", "-f", "-");
        assertTrue(lax.ok(), lax.toString());
        JsonNode stored = JSON.readTree(kubectl.ok("get", "accel", "pruned", "-o", "json"));
        assertFalse(stored.path("spec").has("colour"), stored.toString());
        assertEquals("Enabled", stored.path("spec").path("acceleration").asText());
        kubectl.ok("delete", "accel", "pruned");
    }

    @Test
    void listSupportsSelectorsAndPaging() throws Exception {
        JsonNode even = json(api.get(VS + "?labelSelector=parity%3Deven"));
        assertEquals(4, even.path("items").size());
        assertEquals("VirtualServiceList", even.path("kind").asText());
        assertEquals(1, json(api.get(VS + "?fieldSelector=metadata.name%3Dvs-3")).path("items").size());
        assertEquals(3, json(api.get(VS + "?labelSelector=parity+in+(odd),parity!%3Deven")).path("items").size());
        List<String> names = new ArrayList<>();
        String next = "";
        int pages = 0;
        do {
            JsonNode page = json(api.get(VS + "?labelSelector=parity&limit=3" + (next.isEmpty() ? "" : "&continue=" + next)));
            page.path("items").forEach(i -> names.add(i.path("metadata").path("name").asText()));
            next = page.path("metadata").path("continue").asText("");
            pages++;
        } while (!next.isEmpty() && pages < 10);
        assertEquals(List.of("vs-0", "vs-1", "vs-2", "vs-3", "vs-4", "vs-5", "vs-6"), names.stream().filter(n -> n.startsWith("vs-")).toList());
        assertTrue(pages >= 3, "limit=3 must page, got " + pages + " pages");
        String chunked = kubectl.ok("get", "vs", "--chunk-size=2", "-l", "parity=odd", "-o", "name");
        assertEquals(3, chunked.lines().count(), chunked);
    }

    @Test
    void jsonPatchAndMergePatchUpdateTheObject() throws Exception {
        create("patched", "even");
        HttpResponse<String> jp = api.send("PATCH", VS + "/patched", "application/json-patch+json",
                "[{\"op\":\"add\",\"path\":\"/spec/hosts/-\",\"value\":\"second\"},{\"op\":\"test\",\"path\":\"/spec/hosts/0\",\"value\":\"patched\"}]".getBytes());
        assertEquals(200, jp.statusCode(), jp.body());
        assertEquals("[\"patched\",\"second\"]", json(jp).path("spec").path("hosts").toString());
        assertEquals(2, json(jp).path("metadata").path("generation").asInt());
        String rv = json(jp).path("metadata").path("resourceVersion").asText();
        HttpResponse<String> stale = api.send("PATCH", VS + "/patched", "application/merge-patch+json",
                ("{\"metadata\":{\"resourceVersion\":\"" + (Long.parseLong(rv) - 1) + "\"},\"spec\":{\"hosts\":[\"x\"]}}").getBytes());
        assertStatus(stale, 409, "Conflict", "the object has been modified");
        HttpResponse<String> badTest = api.send("PATCH", VS + "/patched", "application/json-patch+json",
                "[{\"op\":\"test\",\"path\":\"/spec/hosts/0\",\"value\":\"nope\"}]".getBytes());
        assertEquals(422, badTest.statusCode(), badTest.body());
        kubectl.ok("delete", "vs", "patched");
    }

    @Test
    void watchResumesFromAResourceVersionSendsBookmarksAndEndsWith410OnceCompacted() throws Exception {
        String start = json(api.get(VS)).path("metadata").path("resourceVersion").asText();
        create("watched", "odd");
        kubectl.ok("label", "vs", "watched", "seen=yes");
        HttpResponse<Stream<String>> watch = api.stream(VS + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=5&resourceVersion=" + start);
        assertEquals("application/json", watch.headers().firstValue("content-type").orElse(""));
        List<JsonNode> events = new ArrayList<>();
        Iterator<String> lines = watch.body().iterator();
        while (lines.hasNext()) {
            JsonNode e = JSON.readTree(lines.next());
            events.add(e);
            if (e.path("type").asText().equals("BOOKMARK")) {
                break;
            }
        }
        watch.body().close();
        List<String> types = events.stream().map(e -> e.path("type").asText() + ":" + e.path("object").path("metadata").path("name").asText()).toList();
        assertEquals(List.of("ADDED:watched", "MODIFIED:watched"), types.subList(0, 2), types.toString());
        assertEquals("BOOKMARK", events.getLast().path("type").asText(), types.toString());
        assertEquals(events.get(1).path("object").path("metadata").path("resourceVersion").asText(),
                events.getLast().path("object").path("metadata").path("resourceVersion").asText());

        kubectl.ok("delete", "vs", "watched");
        plane.store().compact(plane.store().revision());
        HttpResponse<Stream<String>> gone = api.stream(VS + "?watch=1&resourceVersion=" + start);
        JsonNode error = JSON.readTree(gone.body().findFirst().orElseThrow());
        assertEquals("ERROR", error.path("type").asText());
        assertEquals(410, error.path("object").path("code").asInt());
        assertEquals("Expired", error.path("object").path("reason").asText());
    }

    @Test
    void aPaginatedListIsOneSnapshotAndAnExpiredTokenGets410() throws Exception {
        // a namespace of its own, so that the other tests' listings do not see these objects
        kubectl.ok("create", "namespace", "pages");
        String vs = "/apis/networking.istio.io/v1/namespaces/pages/virtualservices";
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = api.send("POST", vs, "application/json", ("{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\","
                    + "\"metadata\":{\"name\":\"snap-" + i + "\",\"labels\":{\"snap\":\"yes\"}},\"spec\":{\"hosts\":[\"h\"]}}").getBytes());
            assertEquals(201, r.statusCode(), r.body());
        }
        String query = vs + "?labelSelector=snap&limit=2";
        JsonNode first = json(api.get(query));
        String rv = first.path("metadata").path("resourceVersion").asText();
        kubectl.ok("delete", "vs", "-n", "pages", "snap-3");
        kubectl.ok("label", "vs", "-n", "pages", "snap-4", "changed=yes");
        kubectl.ok("label", "vs", "-n", "pages", "snap-5", "snap-");
        kubectl.ok("label", "vs", "-n", "pages", "snap-0", "snap-");
        List<String> names = new ArrayList<>();
        first.path("items").forEach(i -> names.add(i.path("metadata").path("name").asText()));
        String next = first.path("metadata").path("continue").asText();
        while (!next.isEmpty()) {
            JsonNode page = json(api.get(query + "&continue=" + next));
            assertEquals(rv, page.path("metadata").path("resourceVersion").asText(), "every page has the first page's resourceVersion");
            page.path("items").forEach(i -> {
                names.add(i.path("metadata").path("name").asText());
                assertFalse(i.path("metadata").path("labels").has("changed"), "objects as they were: " + i);
            });
            next = page.path("metadata").path("continue").asText("");
        }
        assertEquals(List.of("snap-0", "snap-1", "snap-2", "snap-3", "snap-4", "snap-5"), names);

        String stale = json(api.get(query)).path("metadata").path("continue").asText();
        kubectl.ok("label", "vs", "-n", "pages", "snap-1", "changed=yes");
        plane.store().compact(plane.store().revision());
        HttpResponse<String> expired = api.get(query + "&continue=" + stale);
        assertStatus(expired, 410, "Expired", "The provided continue parameter is too old to display a consistent list result."
                + " You can start a new list without the continue parameter, or use the continue token in this response");
        String inconsistent = json(expired).path("metadata").path("continue").asText();
        JsonNode rest = json(api.get(query + "&continue=" + inconsistent));
        List<String> now = new ArrayList<>();
        rest.path("items").forEach(i -> now.add(i.path("metadata").path("name").asText()));
        assertEquals(List.of("snap-4"), now, "the rest after the stale page (snap-1, snap-2), as it is now");
        kubectl.ok("delete", "namespace", "pages");
    }

    @Test
    void watchesOfOneKindInTwoVersionsEachSeeTheirOwnApiVersion() throws Exception {
        String start = json(api.get(VS)).path("metadata").path("resourceVersion").asText();
        create("versioned", "odd");
        for (String version : List.of("v1", "v1beta1", "v1alpha3")) {
            String path = "/apis/networking.istio.io/" + version + "/namespaces/default/virtualservices";
            HttpResponse<Stream<String>> watch = api.stream(path + "?watch=1&timeoutSeconds=5&resourceVersion=" + start);
            JsonNode e = JSON.readTree(watch.body().filter(l -> l.contains("\"versioned\"")).findFirst().orElseThrow());
            watch.body().close();
            assertEquals("networking.istio.io/" + version, e.path("object").path("apiVersion").asText(),
                    "a " + version + " watch names " + version + ", also when another version's watcher saw the change first: " + e);
        }
        kubectl.ok("delete", "vs", "versioned");
    }

    @Test
    void aWatchWithALabelSelectorSeesObjectsStartAndStopMatching() throws Exception {
        create("moving", "odd");
        String from = json(api.get(VS + "/moving")).path("metadata").path("resourceVersion").asText();
        kubectl.ok("label", "vs", "moving", "team=blue");
        kubectl.ok("label", "vs", "moving", "--overwrite", "team=red");
        kubectl.ok("label", "vs", "moving", "--overwrite", "team=blue");
        kubectl.ok("annotate", "vs", "moving", "note=kept");
        kubectl.ok("delete", "vs", "moving");
        HttpResponse<Stream<String>> watch = api.stream(VS + "?watch=1&labelSelector=team%3Dblue&timeoutSeconds=5&resourceVersion=" + from);
        List<String> events = new ArrayList<>();
        Iterator<String> lines = watch.body().iterator();
        while (lines.hasNext() && events.size() < 5) {
            JsonNode e = JSON.readTree(lines.next());
            events.add(e.path("type").asText() + ":" + e.path("object").path("metadata").path("labels").path("team").asText());
        }
        watch.body().close();
        assertEquals(List.of("ADDED:blue", "DELETED:blue", "ADDED:blue", "MODIFIED:blue", "DELETED:blue"), events,
                "leaving the selector is a DELETED with the last matching state; entering it an ADDED");
    }

    @Test
    void tableResponsesCarryTheCrdPrinterColumns() throws Exception {
        HttpResponse<String> r = api.send(api.request(VS).header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").GET().build());
        JsonNode table = json(r);
        assertEquals("Table", table.path("kind").asText());
        List<String> columns = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asText()));
        assertEquals(List.of("Name", "Gateways", "Hosts", "Age"), columns);
        JsonNode row = table.path("rows").get(0);
        assertEquals("vs-0", row.path("cells").get(0).asText());
        assertEquals("[\"vs-0\"]", row.path("cells").get(2).asText());
        assertEquals("vs-0", row.path("object").path("metadata").path("name").asText());
    }

    @Test
    void deletingACrdRemovesItsKindAndItsObjects() throws Exception {
        String crd = """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: gadgets.example.com}
                spec:
                  group: example.com
                  scope: Namespaced
                  names: {kind: Gadget, plural: gadgets, shortNames: [gd]}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec:
                            type: object
                            properties:
                              size: {type: integer, minimum: 1}
                """;
        kubectl.runWithInput(crd, "apply", "-f", "-");
        String gadget = "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1}\nspec: {size: 0}\n";
        Kubectl.Result tooSmall = kubectl.runWithInput(gadget, "create", "-f", "-");
        assertTrue(tooSmall.err().contains("spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"), tooSmall.toString());
        kubectl.runWithInput(gadget.replace("size: 0", "size: 2"), "create", "-f", "-");
        assertTrue(kubectl.ok("get", "gd").contains("g1"));
        kubectl.ok("delete", "crd", "gadgets.example.com");
        assertEquals(404, api.get("/apis/example.com/v1/namespaces/default/gadgets").statusCode());
        kubectl.runWithInput(crd, "apply", "-f", "-");
        assertEquals(0, json(api.get("/apis/example.com/v1/namespaces/default/gadgets")).path("items").size(),
                "objects of a deleted CRD must not come back with it");
    }

    @Test
    void discoveryAndOpenApiDescribeTheServedKinds() throws Exception {
        JsonNode groups = json(api.get("/apis"));
        JsonNode networking = null;
        for (JsonNode g : groups.path("groups")) {
            if (g.path("name").asText().equals("networking.istio.io")) {
                networking = g;
            }
        }
        assertTrue(networking != null, groups.toString());
        assertEquals("v1", networking.path("preferredVersion").path("version").asText());
        JsonNode index = json(api.get("/openapi/v3"));
        assertTrue(index.path("paths").has("apis/networking.istio.io/v1alpha3"), index.toString());
        JsonNode doc = json(api.get("/openapi/v3/apis/networking.istio.io/v1"));
        JsonNode vs = doc.path("components").path("schemas").path("io.istio.networking.v1.VirtualService");
        assertEquals("VirtualService", vs.path("x-kubernetes-group-version-kind").get(0).path("kind").asText());
        assertTrue(vs.path("properties").path("spec").path("properties").has("http"));
    }
}
