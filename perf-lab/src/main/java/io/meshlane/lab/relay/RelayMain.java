package io.meshlane.lab.relay;

import io.meshlane.lab.telemetry.ExportConfig;
import io.meshlane.lab.telemetry.LabOtel;
import io.meshlane.lab.telemetry.WorkloadIdentity;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of the sidecar process (run by the lab as uid 1337 inside a pod):
 * {@code RelayMain [--pod NAME] [--outbound 15001] [--inbound 15006] [--otlp URL --peers FILE
 * --export-interval MS --namespace N --workload W --service S --cluster C] [--xds HOST:PORT --node-ip IP
 * --routes-peers FILE]}. With {@code --otlp} it exports Istio's TCP metrics ({@link RelayTelemetry}); with
 * {@code --xds} it routes HTTP per request as the control plane's routes say ({@link HttpRouting}). Prints READY when bound.
 */
public final class RelayMain {
    private RelayMain() {
    }

    public static void main(String[] args) throws Exception {
        String pod = "?";
        int outbound = RelayListener.OUTBOUND_PORT;
        int inbound = RelayListener.INBOUND_PORT;
        Map<String, String> telemetryOptions = new HashMap<>();
        Map<String, String> xdsOptions = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--pod" -> pod = args[i + 1];
                case "--outbound" -> outbound = Integer.parseInt(args[i + 1]);
                case "--inbound" -> inbound = Integer.parseInt(args[i + 1]);
                case "--peers", "--otlp", "--export-interval", "--namespace", "--workload", "--service", "--cluster" ->
                        telemetryOptions.put(args[i].substring(2), args[i + 1]);
                case "--xds", "--node-ip", "--routes-peers" -> xdsOptions.put(args[i].substring(2), args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        PrintStream out = System.out;
        LabOtel otel = null;
        RelayTelemetry telemetry = null;
        if (telemetryOptions.containsKey("otlp")) {
            String name = pod.contains("/") ? pod.substring(pod.indexOf('/') + 1) : pod;
            WorkloadIdentity id = new WorkloadIdentity(telemetryOptions.getOrDefault("namespace", "default"),
                    telemetryOptions.getOrDefault("workload", name), telemetryOptions.getOrDefault("service", name),
                    name, telemetryOptions.getOrDefault("cluster", "lab"));
            otel = LabOtel.metricsOnly(new ExportConfig(URI.create(telemetryOptions.get("otlp")),
                    Duration.ofMillis(Long.parseLong(telemetryOptions.getOrDefault("export-interval", "1000"))),
                    ExportConfig.DEFAULT_TIMEOUT), id.resource());
            PeerDirectory peers = telemetryOptions.containsKey("peers")
                    ? PeerDirectory.read(Path.of(telemetryOptions.get("peers"))) : new PeerDirectory(Map.of());
            telemetry = new RelayTelemetry(otel.api().getMeter("io.meshlane.lab.relay"),
                    new PeerWorkload(id.namespace(), id.workload(), id.service()), peers, id.cluster());
        }
        Consumer<String> log = line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        };
        HttpRouting routing = null;
        if (xdsOptions.containsKey("xds")) {
            String[] hostPort = xdsOptions.get("xds").split(":");
            String[] nsName = pod.split("/", 2);
            routing = new HttpRouting(new XdsRoutes(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])),
                    xdsOptions.getOrDefault("node-ip", "127.0.0.1"), nsName[nsName.length - 1],
                    nsName.length == 2 ? nsName[0] : "default", log),
                    PeerDirectory.read(Path.of(xdsOptions.get("routes-peers"))), log);
        }
        SidecarRelay relay = new SidecarRelay(new OriginalDestination(),
                List.of(RelayListener.outbound(outbound), RelayListener.inbound(inbound)), 1, log, telemetry, routing);
        CountDownLatch stop = new CountDownLatch(1);
        LabOtel exporting = otel;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            if (exporting != null) {
                exporting.close();
            }
            stop.countDown();
        }));
        List<Integer> ports = relay.start();
        out.println("READY sidecar pod=" + pod + " uid=" + uid() + " outbound=" + ports.get(0) + " inbound=" + ports.get(1)
                + " telemetry=" + telemetryOptions.getOrDefault("otlp", "off") + " xds=" + xdsOptions.getOrDefault("xds", "off"));
        out.flush();
        stop.await();
    }

    private static String uid() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).map(l -> l.split("\\s+")[1]).findFirst().orElse("?");
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
