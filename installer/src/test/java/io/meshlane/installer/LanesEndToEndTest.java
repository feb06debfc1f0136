package io.meshlane.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.server.MeshControl;
import io.meshlane.control.server.MeshControlOptions;
import io.meshlane.control.testing.FreePorts;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.lab.http.ServedCounts;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.PodFile;
import io.meshlane.lab.telemetry.NetnsEntry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test lanes live on the real kernel: Bookinfo in the node lab (eBPF-redirected sidecars) with lane team-a
 * deploying only reviews and lane team-b only ratings. The sidecars route HTTP per request from the control
 * plane's xDS (RDS/CDS/EDS over ADS, as the control plane derives them from the TestLanes); the applications
 * forward the lane header like trace context. Every response names the pods that served it: 1,000 requests per
 * colour over one keep-alive connection each, counted, none misrouted. Then a mirror source: production
 * requests are copied, coloured, into the lane while their own responses stay as they were.
 */
class LanesEndToEndTest {
    private static final String LAB = "lanes2e";
    private static final int REQUESTS = 1000;
    private static final String BASE = "productpage-0 > reviews-0 > ratings-0";

    @TempDir
    Path data;

    @Test
    void colouredRequestsFollowTheirLaneHopByHopAndNothingElseTouchesALane() throws Exception {
        NodeLab.down(LAB);
        int xdsPort = FreePorts.pick();
        try (MeshControl mesh = MeshControl.start(MeshControlOptions.of(ControlPlaneOptions.defaults().withDataDir(data)
                .withListen("127.0.0.1", 0)).withPorts(0, xdsPort));
             NodeLab lab = NodeLab.up(lab().withName(LAB).withXds(xdsPort))) {
            try {
                run(mesh, lab);
            } finally {
                keepLogs(lab.layout().logDir(), Path.of("target", LAB + "-logs"));
            }
        } finally {
            NodeLab.down(LAB);
        }
    }

    /** The pods' logs (sidecars' routing decisions among them) outlive the lab in target/ for a failure's diagnosis. */
    private static void keepLogs(Path from, Path to) {
        try (var files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("cannot keep the lab's logs: " + e);
        }
    }

    private static void run(MeshControl mesh, NodeLab lab) throws Exception {
        {
            Kubectl kubectl = new Kubectl(mesh.plane().kubeconfig());
            mesh.plane().ensureNamespace("bookinfo", Map.of());
            applied(kubectl.runWithInput(serviceEntries(lab) + """
                    ---
                    apiVersion: meshlane.io/v1alpha1
                    kind: TestLane
                    metadata: {name: team-a, namespace: bookinfo}
                    spec: {}
                    ---
                    apiVersion: meshlane.io/v1alpha1
                    kind: TestLane
                    metadata: {name: team-b, namespace: bookinfo}
                    spec: {}
                    """, "apply", "-f", "-"));
            LabPod client = lab.pod("bookinfo/client-0");
            InetSocketAddress productpage = new InetSocketAddress(lab.pod("bookinfo/productpage-0").ip(), 9080);
            try (Chain chain = Chain.open(client.netns(), productpage)) {
                // the routes arrive with the next push: wait until a coloured request takes its lane once
                awaitServedBy(chain, "team-a", "productpage-0 > reviews-team-a-0 > ratings-0");
                long started = System.nanoTime();
                // the three colours at once, each on its own keep-alive connection: every hop's connections carry them mixed
                var teamAs = java.util.concurrent.CompletableFuture.supplyAsync(() -> countOn(client.netns(), productpage, "team-a"));
                var teamBs = java.util.concurrent.CompletableFuture.supplyAsync(() -> countOn(client.netns(), productpage, "team-b"));
                Map<String, Integer> plain = chain.count(REQUESTS, null);
                Map<String, Integer> teamA = teamAs.join();
                Map<String, Integer> teamB = teamBs.join();
                System.out.printf(Locale.ROOT, "lanes: %d requests in %.1f s; team-a %s, team-b %s, uncoloured %s%n", 3 * REQUESTS,
                        (System.nanoTime() - started) / 1e9, teamA, teamB, plain);
                assertEquals(Map.of("productpage-0 > reviews-team-a-0 > ratings-0", REQUESTS), teamA,
                        "team-a: productpage(base) → reviews(team-a) → ratings(base), none misrouted");
                assertEquals(Map.of("productpage-0 > reviews-0 > ratings-team-b-0", REQUESTS), teamB,
                        "team-b: productpage(base) → reviews(base) → ratings(team-b), none misrouted");
                assertEquals(Map.of(BASE, REQUESTS), plain, "uncoloured requests never touch a lane");
                Map<String, Long> laneReviews = ServedCounts.read(lab.servedCounts(lab.pod("bookinfo/reviews-team-a-0")));
                assertEquals(Map.of("team-a", (long) REQUESTS + 1), laneReviews,
                        "the lane's reviews served team-a's requests and nothing else");

                // mirror production's reviews traffic into team-a: copies coloured team-a, production answers unchanged
                applied(kubectl.runWithInput("""
                        apiVersion: meshlane.io/v1alpha1
                        kind: TestLane
                        metadata: {name: team-a, namespace: bookinfo}
                        spec: {mirror: {host: reviews, percent: 100}}
                        """, "apply", "-f", "-"));
                Path laneFile = lab.servedCounts(lab.pod("bookinfo/reviews-team-a-0"));
                long before = ServedCounts.read(laneFile).get("team-a");
                awaitMirrored(chain, laneFile, before);
                long mirroredBefore = ServedCounts.read(laneFile).get("team-a");
                long laneRatingsBefore = ServedCounts.read(lab.servedCounts(lab.pod("bookinfo/ratings-0"))).getOrDefault("team-a", 0L);
                Map<String, Integer> production = chain.count(200, null);
                assertEquals(Map.of(BASE, 200), production, "production's responses are unchanged while mirrored");
                awaitCount(laneFile, "team-a", mirroredBefore + 200);
                Map<String, Long> lane = ServedCounts.read(laneFile);
                assertEquals(Map.of("team-a", mirroredBefore + 200), lane,
                        "every production request reached the lane as a copy coloured team-a, nothing uncoloured did");
                awaitCount(lab.servedCounts(lab.pod("bookinfo/ratings-0")), "team-a", laneRatingsBefore + 200);
            }
        }
    }

    private static Map<String, Integer> countOn(String netns, InetSocketAddress to, String colour) {
        try (Chain chain = Chain.open(netns, to)) {
            return chain.count(REQUESTS, colour);
        } catch (Exception e) {
            throw new IllegalStateException(colour + " requests failed", e);
        }
    }

    private static void applied(Kubectl.Result result) {
        assertTrue(result.ok(), "kubectl apply: " + result);
    }

    private static void awaitServedBy(Chain chain, String colour, String expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = chain.get(colour);
            } catch (IOException e) {
                // until the push has every cluster's endpoints, the relay may answer 503: the warm-up waits it out
                last = e.getMessage();
            }
            if (expected.equals(last)) {
                return;
            }
            Thread.sleep(100);
        }
        fail("a " + colour + " request never reached " + expected + " within 30 s; last answer: " + last);
    }

    private static void awaitMirrored(Chain chain, Path laneFile, long before) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            assertEquals(BASE, chain.get(null));
            if (ServedCounts.read(laneFile).getOrDefault("team-a", 0L) > before) {
                Thread.sleep(300);
                return;
            }
            Thread.sleep(100);
        }
        fail("no mirrored copy reached the lane within 30 s of the mirror source");
    }

    private static void awaitCount(Path file, String colour, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ServedCounts.read(file).getOrDefault(colour, 0L) < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(expected, ServedCounts.read(file).getOrDefault(colour, 0L), file + " " + colour);
    }

    private static io.meshlane.lab.spec.LabSpec lab() throws IOException {
        Path file = Files.createTempFile("lanes-lab", ".yaml");
        try (InputStream in = LanesEndToEndTest.class.getResourceAsStream("lanes-lab.yaml")) {
            Files.write(file, in.readAllBytes());
            return PodFile.read(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The lab's http services as the mesh's registry knows them: a ServiceEntry per service, its pods' addresses and labels. */
    private static String serviceEntries(NodeLab lab) {
        Map<String, List<LabPod>> byService = lab.pods().stream().filter(p -> p.spec().app() instanceof io.meshlane.lab.spec.AppSpec.Http)
                .collect(Collectors.groupingBy(p -> p.spec().service(), TreeMap::new, Collectors.toList()));
        StringBuilder yaml = new StringBuilder();
        byService.forEach((service, pods) -> {
            yaml.append("---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ").append(service)
                    .append(", namespace: bookinfo}\nspec:\n  hosts: [").append(service).append(".bookinfo.svc.cluster.local]\n")
                    .append("  location: MESH_INTERNAL\n  resolution: STATIC\n  ports: [{number: 9080, name: http, protocol: HTTP}]\n")
                    .append("  endpoints:\n");
            for (LabPod p : pods) {
                yaml.append("  - address: ").append(p.ip()).append("\n    labels: {app: ").append(service);
                p.spec().labels().forEach((k, v) -> {
                    if (!k.equals("app")) {
                        yaml.append(", ").append(k).append(": ").append(v);
                    }
                });
                yaml.append("}\n");
            }
        });
        return yaml.toString();
    }

    /** One keep-alive HTTP/1.1 connection to productpage, opened in the client pod's network namespace. */
    private record Chain(SocketChannel socket) implements AutoCloseable {
        static Chain open(String netns, InetSocketAddress to) throws Exception {
            return new Chain(NetnsEntry.inside(netns, () -> SocketChannel.open(to)));
        }

        /** GET /productpage coloured {@code colour} (null: uncoloured); the pods that served it. */
        String get(String colour) throws IOException {
            String request = "GET /productpage HTTP/1.1\r\nHost: productpage\r\n"
                    + (colour == null ? "" : "x-meshlane-lane: " + colour + "\r\n") + "\r\n";
            socket.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            String head = readHead();
            if (!head.startsWith("HTTP/1.1 200")) {
                throw new IOException("productpage answered " + head);
            }
            String servedBy = null;
            int length = 0;
            for (String line : head.split("\r\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("x-meshlane-served-by:")) {
                    servedBy = line.substring(line.indexOf(':') + 1).strip();
                } else if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
                }
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            while (body.hasRemaining() && socket.read(body) >= 0) {
                // read the whole body so the next response starts clean
            }
            return servedBy;
        }

        Map<String, Integer> count(int n, String colour) throws IOException {
            Map<String, Integer> out = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                out.merge(String.valueOf(get(colour)), 1, Integer::sum);
            }
            return out;
        }

        private String readHead() throws IOException {
            StringBuilder b = new StringBuilder();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (!b.toString().endsWith("\r\n\r\n")) {
                one.clear();
                if (socket.read(one) < 0) {
                    throw new IOException("productpage closed the connection after '" + b + "'");
                }
                b.append((char) one.get(0));
            }
            return b.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
