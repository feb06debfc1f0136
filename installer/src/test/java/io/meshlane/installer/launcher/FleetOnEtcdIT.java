package io.meshlane.installer.launcher;

import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.EtcdServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.meshlane.installer.launcher.LaunchedControl.kubectl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three {@code ./meshlane control --store etcd} replicas (the launcher's classpath) on a real
 * three-member etcd: they share the CA and admin token (one kubeconfig works against all), a write
 * on one reaches a watch on another, one of them leads (a Lease kubectl shows); kill -9 of the
 * leader during a write storm hands the Lease to a survivor within 5 s and loses no acknowledged
 * create; a survivor's watch from a resourceVersion before the storm replays everything without 410;
 * one etcd member down changes nothing, two down answer writes with a 503 that says the quorum is
 * lost while reads still answer, and writes come back by themselves with the members.
 */
class FleetOnEtcdIT {
    private static final Pattern HOLDER = Pattern.compile("\"holderIdentity\":\"([^\"]+)\"");
    private static final Pattern NAME = Pattern.compile("\"name\":\"(storm-[0-9-]+)\"");

    @TempDir
    Path dir;

    @Test
    void replicasShareEtcdSurviveTheirLeaderAndEtcdMembers() throws Exception {
        try (EtcdServer etcd = EtcdServer.cluster(3)) {
            List<LaunchedControl> replicas = new ArrayList<>();
            try {
                // the first publishes the CA and token; the others start together and adopt them
                replicas.add(LaunchedControl.control(dir.resolve("r0"), etcd.endpoints()));
                List<LaunchedControl> starting = List.of(LaunchedControl.launch(dir.resolve("r1"), etcd.endpoints()),
                        LaunchedControl.launch(dir.resolve("r2"), etcd.endpoints()));
                for (LaunchedControl s : starting) {
                    replicas.add(s.serving());
                }
                Path kubeconfig = replicas.getFirst().kubeconfig();
                String token = Files.readString(replicas.getFirst().data().resolve("token")).trim();
                assertEquals(token, Files.readString(replicas.get(2).data().resolve("token")).trim(), "one admin token for the fleet");
                HttpClient http = client(replicas.getFirst().data().resolve("ca.crt"));

                // one replica's kubeconfig, pointed at another replica: same CA, same token
                String leaseTable = kubectl(kubeconfig, "--server", url(replicas.get(1)), "get", "lease", "-n", "meshlane-system");
                assertTrue(leaseTable.contains("HOLDER") && leaseTable.contains("RENEWED") && leaseTable.contains("meshlane-control"),
                        leaseTable);
                // each replica's kubeconfig names every replica, one context each
                String contexts = "";
                for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15); System.nanoTime() < until; Thread.sleep(200)) {
                    contexts = kubectl(kubeconfig, "config", "get-contexts", "-o", "name");
                    if (contexts.lines().count() == 3) {
                        break;
                    }
                }
                for (LaunchedControl r : replicas.subList(1, 3)) {
                    assertTrue(contexts.contains("meshlane-127.0.0.1-" + r.port()), contexts);
                }
                String viaContext = kubectl(kubeconfig, "--context", "meshlane-127.0.0.1-" + replicas.get(1).port(), "get", "namespace",
                        "meshlane-system", "-o", "name");
                assertEquals("namespace/meshlane-system", viaContext.strip());
                Process delete = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "delete", "lease", "meshlane-control",
                        "-n", "meshlane-system").redirectErrorStream(true).start();
                String refusedDelete = new String(delete.getInputStream().readAllBytes());
                assertNotEquals(0, delete.waitFor(), refusedDelete);
                assertTrue(refusedDelete.contains("written only by the control-plane replicas' leader election"), refusedDelete);
                String holder = holder(http, replicas.get(2), token);
                int leaderIndex = indexOf(replicas, holder);

                // a write on one replica reaches a watch on another
                String rv = listRevision(http, replicas.get(2), token);
                kubectl(kubeconfig, "--server", url(replicas.get(0)), "create", "namespace", "storm-0-0");

                // write storm over every replica, client-side failover like a client with all servers listed
                Set<String> acknowledged = ConcurrentHashMap.newKeySet();
                acknowledged.add("storm-0-0");
                AtomicBoolean storming = new AtomicBoolean(true);
                AtomicInteger failed = new AtomicInteger();
                List<Thread> writers = new ArrayList<>();
                for (int t = 1; t <= 3; t++) {
                    int writer = t;
                    writers.add(Thread.ofPlatform().start(() -> {
                        for (int i = 0; storming.get(); i++) {
                            String name = "storm-" + writer + "-" + i;
                            LaunchedControl target = replicas.get((writer + i) % replicas.size());
                            try {
                                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url(target) + "/api/v1/namespaces"))
                                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                                        .timeout(Duration.ofSeconds(10))
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}"))
                                        .build(), HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() == 201) {
                                    acknowledged.add(name);
                                } else {
                                    failed.incrementAndGet();
                                }
                            } catch (Exception e) {
                                failed.incrementAndGet(); // the killed replica: not acknowledged, the client moves on
                            }
                        }
                    }));
                }
                Thread.sleep(2000);
                LaunchedControl leader = replicas.get(leaderIndex);
                leader.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no lease revoke, no goodbye
                long killed = System.nanoTime();
                LaunchedControl survivor = replicas.get((leaderIndex + 1) % replicas.size());
                String next = holder;
                while (next.equals(holder) && System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(10)) {
                    Thread.sleep(100);
                    try {
                        next = holder(http, survivor, token);
                    } catch (Exception e) {
                        // the survivor may be busy: ask again
                    }
                }
                double takeover = (System.nanoTime() - killed) / 1e9;
                assertNotEquals(holder, next, "no new Lease holder within 10 s of kill -9");
                assertTrue(takeover <= 5, "new Lease holder after " + takeover + " s, more than 5");
                assertNotEquals(leaderIndex, indexOf(replicas, next), "the dead replica cannot hold the Lease");
                Thread.sleep(1500);
                storming.set(false);
                for (Thread w : writers) {
                    w.join(30_000);
                }
                assertTrue(acknowledged.size() > 20, "the storm acknowledged only " + acknowledged.size() + " creates");

                // nothing acknowledged is lost
                String listed = kubectl(kubeconfig, "--context",
                        survivor == replicas.getFirst() ? "meshlane" : "meshlane-127.0.0.1-" + survivor.port(), "get", "namespaces", "-o", "name");
                Set<String> missing = new HashSet<>();
                for (String name : acknowledged) {
                    if (!listed.contains("namespace/" + name + "\n")) {
                        missing.add(name);
                    }
                }
                assertTrue(missing.isEmpty(), "acknowledged creates lost: " + missing);

                // a survivor's watch from before the storm replays it all, no 410
                Set<String> watched = watchFrom(kubeconfig, url(survivor), rv, acknowledged);
                assertTrue(watched.containsAll(acknowledged), "the watch from resourceVersion " + rv + " missed "
                        + acknowledged.stream().filter(n -> !watched.contains(n)).toList());

                // etcd: one member down is nothing, two down is a 503 for writes, reads still answer
                etcd.stopMember(0);
                kubectl(kubeconfig, "--server", url(survivor), "create", "namespace", "one-member-down");
                etcd.stopMember(1);
                HttpResponse<String> refused = create(http, survivor, token, "quorum-lost");
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("etcd quorum lost") && refused.body().contains("start the stopped"), refused.body());
                String read = kubectl(kubeconfig, "--server", url(survivor), "get", "namespace", "one-member-down", "-o", "name");
                assertEquals("namespace/one-member-down", read.strip(), "reads keep answering without a quorum");
                etcd.restartMember(0);
                etcd.restartMember(1);
                long back = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                int code = 0;
                while (code != 201 && System.nanoTime() < back) {
                    code = create(http, survivor, token, "quorum-back").statusCode();
                    if (code != 201) {
                        Thread.sleep(500);
                    }
                }
                assertEquals(201, code, "writes did not resume by themselves within 40 s of the members' return");
                System.out.printf("fleet: %d creates acknowledged, %d not; new Lease holder %.2f s after kill -9%n",
                        acknowledged.size(), failed.get(), takeover);
            } finally {
                for (LaunchedControl r : replicas) {
                    r.close();
                }
            }
        }
    }

    private static String url(LaunchedControl replica) {
        return "https://127.0.0.1:" + replica.port();
    }

    private static int indexOf(List<LaunchedControl> replicas, String holder) {
        for (int i = 0; i < replicas.size(); i++) {
            if (holder.startsWith("127.0.0.1:" + replicas.get(i).port() + "_")) {
                return i;
            }
        }
        fail("the Lease holder " + holder + " is none of the replicas");
        return -1;
    }

    private static String holder(HttpClient http, LaunchedControl replica, String token) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url(replica)
                        + "/apis/coordination.k8s.io/v1/namespaces/meshlane-system/leases/meshlane-control"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = HOLDER.matcher(r.body());
        assertTrue(r.statusCode() == 200 && m.find(), r.statusCode() + " " + r.body());
        return m.group(1);
    }

    private static String listRevision(HttpClient http, LaunchedControl replica, String token) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url(replica) + "/api/v1/namespaces?limit=1"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"resourceVersion\":\"(\\d+)\"").matcher(r.body());
        assertTrue(r.statusCode() == 200 && m.find(), r.statusCode() + " " + r.body());
        return m.group(1);
    }

    private static HttpResponse<String> create(HttpClient http, LaunchedControl replica, String token, String name) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url(replica) + "/api/v1/namespaces"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** kubectl's own watch stream from {@code rv}, read until every name in {@code expected} passed or 20 s. */
    private static Set<String> watchFrom(Path kubeconfig, String server, String rv, Set<String> expected) throws Exception {
        Process p = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "--server", server, "get", "--raw",
                "/api/v1/namespaces?watch=1&resourceVersion=" + rv).redirectErrorStream(true).start();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        StringBuilder errors = new StringBuilder();
        Thread reader = Thread.ofPlatform().start(() -> {
            try (InputStream in = p.getInputStream(); BufferedReader lines = new BufferedReader(new InputStreamReader(in))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.contains("\"ERROR\"") || line.contains("\"code\":410")) {
                        errors.append(line).append('\n');
                    }
                    Matcher m = NAME.matcher(line);
                    if (m.find()) {
                        seen.add(m.group(1));
                    }
                }
            } catch (Exception e) {
                // the process was ended
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!seen.containsAll(expected) && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(100);
        }
        p.destroy();
        reader.join(5000);
        assertFalse(errors.length() > 0, "the watch from resourceVersion " + rv + " ended with: " + errors);
        return seen;
    }

    private static HttpClient client(Path caCertificate) {
        return HttpClient.newBuilder().sslContext(ApiClient.trusting(caCertificate)).connectTimeout(Duration.ofSeconds(3)).build();
    }
}
