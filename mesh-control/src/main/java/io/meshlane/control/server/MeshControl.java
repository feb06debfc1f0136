package io.meshlane.control.server;

import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.identity.NodeTrust;
import io.meshlane.control.registry.ServiceRegistry;
import io.meshlane.control.telemetry.store.SeriesKind;
import io.meshlane.control.xds.LaneTraffic;
import io.meshlane.control.xds.StatusReporter;
import io.meshlane.control.xds.XdsServer;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The whole control plane as one unit, the one way every entry point starts it: the Kubernetes
 * API (with its store and telemetry), the agents' endpoint, the xDS server reading the same store
 * and the reporter that writes xDS rejections back onto the objects. Closing stops them in reverse.
 */
public final class MeshControl implements AutoCloseable {

    private final ControlPlane plane;
    private final AgentServer agents;
    private final XdsServer xds;
    private final Deque<AutoCloseable> started;

    private MeshControl(ControlPlane plane, AgentServer agents, XdsServer xds, Deque<AutoCloseable> started) {
        this.plane = plane;
        this.agents = agents;
        this.xds = xds;
        this.started = started;
    }

    /** Starts every part; if one fails, the parts already running are stopped and the failure is rethrown. */
    public static MeshControl start(MeshControlOptions options) {
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            ControlPlane plane = ControlPlane.start(options.plane());
            started.push(plane);
            XdsServer xds = XdsServer.start(options.xds(), plane.store(), new ServiceRegistry());
            started.push(xds);
            // ADS over mTLS shares the agents' port: one TLS port, the client certificate's kind decides what it may call
            NodeTrust trust = NodeTrust.open(plane.identityRecords(), plane.tls(), options.identity());
            AgentServer agents = AgentServer.start(plane.store(), trust, options.plane().host(), options.agentsPort(), xds.adsService());
            started.push(agents);
            started.push(new StatusReporter(plane.store()).attach(xds)
                    .measureLanes(() -> laneWindow(plane, LANE_WINDOW), plane::leads, LANE_EVERY));
            return new MeshControl(plane, agents, xds, started);
        } catch (RuntimeException e) {
            closeAll(started, e);
            throw e;
        }
    }

    /** The window a TestLane's traffic is measured over, and how often it is. */
    private static final java.time.Duration LANE_WINDOW = java.time.Duration.ofSeconds(60);
    private static final java.time.Duration LANE_EVERY = java.time.Duration.ofSeconds(2);

    /** Each workload's requests over the last {@code window} of the hosted telemetry, as lane status reads them. */
    private static LaneTraffic.Window laneWindow(ControlPlane plane, java.time.Duration window) {
        var store = plane.telemetry().store();
        java.time.Instant to = store.clock().instant();
        var snapshot = store.snapshot(to.minus(window), to, java.util.EnumSet.of(SeriesKind.WORKLOAD));
        return new LaneTraffic.Window(snapshot.of(SeriesKind.WORKLOAD).stream().map(t -> new LaneTraffic.Served(
                t.key().destination().namespace(), t.key().destination().service(), t.key().destination().workload(),
                t.requests())).toList(), Math.round(snapshot.windowSeconds()));
    }

    public ControlPlane plane() {
        return plane;
    }

    public AgentServer agents() {
        return agents;
    }

    public XdsServer xds() {
        return xds;
    }

    @Override
    public void close() {
        RuntimeException failure = new RuntimeException("stopping the control plane failed");
        closeAll(started, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    private static void closeAll(Deque<AutoCloseable> parts, RuntimeException collect) {
        while (!parts.isEmpty()) {
            try {
                parts.pop().close();
            } catch (Exception e) {
                collect.addSuppressed(e);
            }
        }
    }
}
