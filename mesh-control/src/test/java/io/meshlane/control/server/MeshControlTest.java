package io.meshlane.control.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.NodeClients;
import io.meshlane.control.testing.TempDirs;
import io.meshlane.control.xds.StatusReporter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The one way to start the control plane: API, agents' endpoint, xDS and its status reporter, all from one options record. */
class MeshControlTest {

    @Test
    void startsEveryPartOnOneStoreAndReportsXdsRejectionsOnTheObject() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-mesh-control");
        try (MeshControl mesh = MeshControl.start(MeshControlOptions.of(ControlPlaneOptions.defaults().withDataDir(dir)
                .withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF))).withPorts(0, 0))) {
            ApiClient api = new ApiClient(mesh.plane().url(), mesh.plane().caCertificate(), mesh.plane().token());
            assertEquals(200, api.get("/api/v1/namespaces/default").statusCode());

            NodeClients clients = new NodeClients(dir, mesh.agents().port());
            ManagedChannel channel = clients.channel(clients.join("local", "node-1"));
            try {
                var policy = AgentControlGrpc.newBlockingStub(channel)
                        .watchPolicy(NodeIdentity.newBuilder().setNode("node-1").setCluster("local").build());
                assertNotNull(policy.next(), "an agent gets its policy from the same plane");
            } finally {
                channel.shutdownNow();
            }

            // written past the API's validation, so only xDS can refuse it
            String key = "/registry/networking.istio.io/destinationrules/default/no-host"; // the API's key layout
            mesh.plane().store().create(key, ("{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"DestinationRule\","
                    + "\"metadata\":{\"name\":\"no-host\",\"namespace\":\"default\"},\"spec\":{}}").getBytes(UTF_8));
            String stored = "";
            for (long deadline = System.nanoTime() + 15_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
                stored = new String(mesh.plane().store().get(key).orElseThrow().value(), UTF_8);
                if (stored.contains(StatusReporter.CONDITION)) {
                    break;
                }
            }
            assertTrue(stored.contains("\"type\":\"" + StatusReporter.CONDITION + "\"") && stored.contains("spec.host"),
                    "the xDS rejection is written onto the object: " + stored);
            assertTrue(mesh.xds().port() > 0);

            // a lane's traffic comes from the hosted telemetry: 3 requests served by its build, 1 by the baseline
            String lane = "/registry/meshlane.io/testlanes/default/team-a";
            mesh.plane().store().create(lane, ("{\"apiVersion\":\"meshlane.io/v1alpha1\",\"kind\":\"TestLane\","
                    + "\"metadata\":{\"name\":\"team-a\",\"namespace\":\"default\"},\"spec\":{\"services\":[\"reviews\"]}}").getBytes(UTF_8));
            long now = System.currentTimeMillis();
            java.util.List<RequestSample> served = new java.util.ArrayList<>();
            for (String workload : java.util.List.of("reviews-team-a", "reviews-team-a", "reviews-team-a", "reviews-v1")) {
                served.add(new RequestSample(Peer.UNKNOWN, new Peer("", "default", workload, "reviews"), "", 200, false, 1000, now));
            }
            mesh.plane().telemetry().store().accept(new TelemetryBatch(served, java.util.List.of(), java.util.List.of(),
                    java.util.List.of(), java.util.List.of(), java.util.List.of()));
            String laneStatus = "";
            for (long deadline = System.nanoTime() + 15_000_000_000L; System.nanoTime() < deadline; Thread.sleep(100)) {
                laneStatus = new String(mesh.plane().store().get(lane).orElseThrow().value(), UTF_8);
                if (laneStatus.contains("\"requests\":3")) {
                    break;
                }
            }
            assertTrue(laneStatus.contains("\"requests\":3") && laneStatus.contains("\"trafficShare\":75.0"),
                    "the lane's status counts its build's requests and their share: " + laneStatus);
        } finally {
            TempDirs.delete(dir);
        }
    }
}
