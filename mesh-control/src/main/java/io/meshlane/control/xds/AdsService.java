package io.meshlane.control.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshlane.control.identity.WorkloadId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Aggregated discovery over one gRPC stream per node, state-of-the-world and delta. Each stream keeps,
 * per type, the subscribed names and the versions last sent; a push sends only when what the node
 * should see differs from what it was sent. ACKs and NACKs are matched by nonce (stale nonces are
 * ignored); a NACK is logged, counted and reported, and the rejected contents are not sent again
 * (the stream waits for a real change), so a client never loops on a bad resource.
 */
final class AdsService extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    private static final Logger LOG = Logger.getLogger(AdsService.class.getName());

    /** Counters visible through {@link XdsServer#stats()}. */
    final AtomicLong responses = new AtomicLong();
    final AtomicLong acks = new AtomicLong();
    final AtomicLong nacks = new AtomicLong();
    final AtomicLong rejectedNodes = new AtomicLong();
    private final AtomicLong versions = new AtomicLong();
    private final AtomicLong nonces = new AtomicLong();

    /** A nonce is the server's own counter echoed back; anything longer is not one of ours. */
    static final int MAX_NONCE_CHARS = 64;
    /** Distinct type URLs one stream may ask for (four are served; Envoy asks for a few more). */
    static final int MAX_TYPES_PER_STREAM = 16;
    /** Resource names one stream may subscribe to per type (a mesh's clusters and routes, with room). */
    static final int MAX_NAMES_PER_TYPE = 50_000;

    private final XdsSnapshot snapshot;
    private final NodeGate gate;
    private final NackSink nackSink;
    private final AckListener ackListener;
    final Set<Stream<?>> streams = ConcurrentHashMap.newKeySet();

    interface NodeGate {
        /** null when the node may be served, otherwise the reason it may not. */
        String refuse(ProxyNode node);
    }

    interface NackSink {
        void nack(NackReport report);
    }

    interface AckListener {
        void acked(String nodeId, String typeUrl, String version, Set<String> names);
    }

    AdsService(XdsSnapshot snapshot, NodeGate gate, NackSink nackSink, AckListener ackListener) {
        this.snapshot = snapshot;
        this.gate = gate;
        this.nackSink = nackSink;
        this.ackListener = ackListener;
    }

    /** Pushes a change to every stream whose subscriptions it may affect. */
    void push(XdsChange change) {
        for (Stream<?> s : streams) {
            s.push(change);
        }
    }

    /** Closes the streams of nodes the gate now refuses (e.g. their namespace moved to another revision). */
    void recheckGate() {
        for (Stream<?> s : streams) {
            s.recheck();
        }
    }

    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
        SotwStream s = new SotwStream((ServerCallStreamObserver<DiscoveryResponse>) out);
        return s;
    }

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> out) {
        return new DeltaStream((ServerCallStreamObserver<DeltaDiscoveryResponse>) out);
    }

    private static final class TypeState {
        Set<String> names = Set.of();
        boolean wildcard;
        boolean subscribed;
        Map<String, String> sent = new HashMap<>();
        String lastNonce = "";
        String nackedNonce = "";
        String lastVersion = "";
    }

    /** What both stream kinds share: node, gate, per-type state. */
    abstract class Stream<R> {
        final ServerCallStreamObserver<R> out;
        ProxyNode node;
        final Map<String, TypeState> types = new HashMap<>();
        boolean closed;

        /** The workload certificate's identity on the mTLS port; null on the plaintext loopback port. */
        final WorkloadId identity = WorkloadId.caller().orElse(null);

        Stream(ServerCallStreamObserver<R> out) {
            this.out = out;
            out.setOnCancelHandler(this::closeStream);
        }

        abstract void push(XdsChange change);

        /** The peer ended the stream (StreamObserver#onError of both stream kinds). */
        public synchronized void onError(Throwable t) {
            closeStream();
        }

        /** The peer half-closed: close our side too (StreamObserver#onCompleted of both stream kinds). */
        public synchronized void onCompleted() {
            closeStream();
            try {
                out.onCompleted();
            } catch (RuntimeException ignored) {
                // already cancelled
            }
        }

        void fail(Status status) {
            closeStream();
            try {
                out.onError(status.asRuntimeException());
            } catch (RuntimeException ignored) {
                // already cancelled
            }
        }

        /** Parses the node on the first request; false (and the stream is failed) if it is refused. */
        boolean accept(io.envoyproxy.envoy.config.core.v3.Node n, boolean present) {
            if (node != null) {
                return true;
            }
            if (!present) {
                rejectedNodes.incrementAndGet();
                fail(Status.INVALID_ARGUMENT.withDescription("the first discovery request must carry the node; check the xDS bootstrap"));
                return false;
            }
            try {
                node = identity == null ? ProxyNode.parse(n) : ProxyNode.parse(n, identity.namespace());
            } catch (SecurityException e) {
                rejectedNodes.incrementAndGet();
                LOG.warning("refusing an xDS stream from workload " + identity + ": " + e.getMessage());
                fail(Status.PERMISSION_DENIED.withDescription(e.getMessage()));
                return false;
            } catch (IllegalArgumentException e) {
                rejectedNodes.incrementAndGet();
                LOG.warning("refusing an xDS stream: " + e.getMessage());
                fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
                return false;
            }
            String refusal = gate.refuse(node);
            if (refusal != null) {
                rejectedNodes.incrementAndGet();
                fail(Status.FAILED_PRECONDITION.withDescription(refusal));
                node = null;
                return false;
            }
            streams.add(this);
            return true;
        }

        /** Refuses requests beyond the stream's bounds; false (and the stream is failed) when {@code req} exceeds one. */
        boolean withinBounds(String type, String nonce, int names) {
            String refusal = null;
            Status.Code code = Status.Code.INVALID_ARGUMENT;
            if (nonce.length() > MAX_NONCE_CHARS) {
                refusal = "response_nonce of " + nonce.length() + " characters is not a nonce this server sent (at most " + MAX_NONCE_CHARS + ")";
            } else if (type.length() > 256 || !types.containsKey(type) && types.size() >= MAX_TYPES_PER_STREAM) {
                refusal = "type URL " + type.substring(0, Math.min(80, type.length())) + " would make more than " + MAX_TYPES_PER_STREAM
                        + " types on one stream; this server serves " + TypeUrls.ALL;
                code = Status.Code.RESOURCE_EXHAUSTED;
            } else if (names > MAX_NAMES_PER_TYPE) {
                refusal = names + " resource names for " + TypeUrls.shortName(type) + " on one stream exceed the limit of " + MAX_NAMES_PER_TYPE
                        + "; subscribe with the wildcard instead";
                code = Status.Code.RESOURCE_EXHAUSTED;
            }
            if (refusal == null) {
                return true;
            }
            LOG.warning("refusing an xDS request from " + (node == null ? "a new stream" : node.id()) + ": " + refusal);
            fail(Status.fromCode(code).withDescription(refusal));
            return false;
        }

        synchronized void recheck() {
            if (node != null && !closed) {
                String refusal = gate.refuse(node);
                if (refusal != null) {
                    fail(Status.UNAVAILABLE.withDescription(refusal));
                }
            }
        }

        Map<String, XdsResource> current(String type, TypeState st) {
            Map<String, XdsResource> out = new LinkedHashMap<>();
            if (st.wildcard) {
                for (XdsResource r : snapshot.wildcard(type, node)) {
                    out.put(r.name(), r);
                }
            }
            for (String name : st.names) {
                if (name.equals("*")) {
                    continue;
                }
                try {
                    XdsResource r = snapshot.resolve(type, name, node);
                    if (r != null) {
                        out.put(name, r);
                    }
                } catch (RuntimeException e) {
                    LOG.warning("cannot build " + TypeUrls.shortName(type) + " " + name + " for node " + node.id() + ": " + e);
                }
            }
            return out;
        }

        void nack(String type, TypeState st, String version, String message) {
            nacks.incrementAndGet();
            List<String> names = new ArrayList<>(st.sent.keySet());
            List<String> objects = snapshot.sourcesOf(type, names);
            LOG.warning("node " + node.id() + " rejected " + TypeUrls.shortName(type) + " version " + version + " " + names
                    + " (from " + objects + "): " + message + "; it will not be resent until the configuration changes");
            nackSink.nack(new NackReport(node.id(), type, version, names, message, objects, Instant.now()));
        }

        void closeStream() {
            closed = true;
            streams.remove(this);
        }
    }

    final class SotwStream extends Stream<DiscoveryResponse> implements StreamObserver<DiscoveryRequest> {
        SotwStream(ServerCallStreamObserver<DiscoveryResponse> out) {
            super(out);
        }

        @Override
        public synchronized void onNext(DiscoveryRequest req) {
            if (closed || !accept(req.getNode(), req.hasNode())) {
                return;
            }
            String type = req.getTypeUrl();
            if (!withinBounds(type, req.getResponseNonce(), req.getResourceNamesCount())) {
                return;
            }
            if (!TypeUrls.ALL.contains(type)) {
                LOG.fine("node " + node.id() + " asked for unsupported type " + type + "; answering with no resources");
            }
            TypeState st = types.computeIfAbsent(type, t -> new TypeState());
            String nonce = req.getResponseNonce();
            if (!nonce.isEmpty() && !nonce.equals(st.lastNonce)) {
                return; // a reply to an older response: superseded
            }
            if (!nonce.isEmpty()) {
                if (req.hasErrorDetail()) {
                    if (nonce.equals(st.nackedNonce)) {
                        return; // the same response NACKed again: reported once, nothing to resend
                    }
                    st.nackedNonce = nonce;
                    nack(type, st, st.lastVersion, req.getErrorDetail().getMessage());
                } else {
                    acks.incrementAndGet();
                    ackListener.acked(node.id(), type, req.getVersionInfo(), st.sent.keySet());
                }
            }
            Set<String> names = new HashSet<>(req.getResourceNamesList());
            boolean wildcard = names.contains("*") || names.isEmpty() && TypeUrls.wildcardCapable(type);
            boolean changed = !st.subscribed || !names.equals(st.names) || wildcard != st.wildcard;
            st.names = names;
            st.wildcard = wildcard;
            st.subscribed = true;
            if (changed) {
                send(type, st, true);
            }
        }

        @Override
        synchronized void push(XdsChange change) {
            if (closed) {
                return;
            }
            for (String type : TypeUrls.ALL) {
                TypeState st = types.get(type);
                if (st != null && st.subscribed && change.affects(type, st.names, st.wildcard)) {
                    send(type, st, false);
                }
            }
        }

        private void send(String type, TypeState st, boolean force) {
            Map<String, XdsResource> now = TypeUrls.ALL.contains(type) ? current(type, st) : Map.of();
            Map<String, String> versionsNow = new HashMap<>();
            now.forEach((k, v) -> versionsNow.put(k, v.version()));
            if (!force && versionsNow.equals(st.sent)) {
                return;
            }
            String version = Long.toString(versions.incrementAndGet());
            String nonce = Long.toString(nonces.incrementAndGet());
            DiscoveryResponse.Builder r = DiscoveryResponse.newBuilder().setTypeUrl(type).setVersionInfo(version).setNonce(nonce);
            now.values().forEach(x -> r.addResources(x.any()));
            st.sent = versionsNow;
            st.lastNonce = nonce;
            st.lastVersion = version;
            responses.incrementAndGet();
            try {
                out.onNext(r.build());
            } catch (RuntimeException e) {
                closeStream();
            }
        }

    }

    final class DeltaStream extends Stream<DeltaDiscoveryResponse> implements StreamObserver<DeltaDiscoveryRequest> {
        DeltaStream(ServerCallStreamObserver<DeltaDiscoveryResponse> out) {
            super(out);
        }

        @Override
        public synchronized void onNext(DeltaDiscoveryRequest req) {
            if (closed || !accept(req.getNode(), req.hasNode())) {
                return;
            }
            String type = req.getTypeUrl();
            TypeState known = types.get(type);
            int subscribed = (known == null ? 0 : known.names.size()) + req.getResourceNamesSubscribeCount();
            if (!withinBounds(type, req.getResponseNonce(), subscribed)) {
                return;
            }
            TypeState st = types.computeIfAbsent(type, t -> new TypeState());
            String nonce = req.getResponseNonce();
            if (!nonce.isEmpty()) {
                if (!nonce.equals(st.lastNonce)) {
                    return;
                }
                if (req.hasErrorDetail()) {
                    if (nonce.equals(st.nackedNonce)) {
                        return;
                    }
                    st.nackedNonce = nonce;
                    nack(type, st, st.lastVersion, req.getErrorDetail().getMessage());
                } else {
                    acks.incrementAndGet();
                    ackListener.acked(node.id(), type, st.lastVersion, st.sent.keySet());
                }
            }
            Set<String> names = new HashSet<>(st.names);
            boolean first = !st.subscribed;
            if (first) {
                st.wildcard = req.getResourceNamesSubscribeList().isEmpty() && TypeUrls.wildcardCapable(type);
                st.sent.putAll(req.getInitialResourceVersionsMap());
            }
            Set<String> added = new HashSet<>();
            for (String n : req.getResourceNamesSubscribeList()) {
                if (n.equals("*")) {
                    st.wildcard = true;
                } else if (names.add(n)) {
                    added.add(n);
                }
            }
            for (String n : req.getResourceNamesUnsubscribeList()) {
                if (n.equals("*")) {
                    st.wildcard = false;
                } else {
                    names.remove(n);
                    st.sent.remove(n);
                }
            }
            st.names = names;
            st.subscribed = true;
            if (first || !added.isEmpty()) {
                send(type, st, added, first);
            }
        }

        @Override
        synchronized void push(XdsChange change) {
            if (closed) {
                return;
            }
            for (String type : TypeUrls.ALL) {
                TypeState st = types.get(type);
                if (st != null && st.subscribed && change.affects(type, st.names, st.wildcard)) {
                    send(type, st, Set.of(), false);
                }
            }
        }

        private void send(String type, TypeState st, Set<String> newlySubscribed, boolean force) {
            Map<String, XdsResource> now = TypeUrls.ALL.contains(type) ? current(type, st) : Map.of();
            List<Resource> changed = new ArrayList<>();
            for (XdsResource r : now.values()) {
                if (!r.version().equals(st.sent.get(r.name()))) {
                    changed.add(Resource.newBuilder().setName(r.name()).setVersion(r.version()).setResource(r.any()).build());
                }
            }
            List<String> removed = new ArrayList<>();
            for (String name : st.sent.keySet()) {
                if (!now.containsKey(name)) {
                    removed.add(name);
                }
            }
            for (String name : newlySubscribed) {
                if (!now.containsKey(name) && !removed.contains(name)) {
                    removed.add(name); // tells the client at once that it does not exist
                }
            }
            if (changed.isEmpty() && removed.isEmpty() && !force) {
                return;
            }
            String version = Long.toString(versions.incrementAndGet());
            String nonce = Long.toString(nonces.incrementAndGet());
            for (Resource r : changed) {
                st.sent.put(r.getName(), r.getVersion());
            }
            removed.forEach(st.sent::remove);
            st.lastNonce = nonce;
            st.lastVersion = version;
            responses.incrementAndGet();
            try {
                out.onNext(DeltaDiscoveryResponse.newBuilder().setTypeUrl(type).setSystemVersionInfo(version).setNonce(nonce)
                        .addAllResources(changed).addAllRemovedResources(removed).build());
            } catch (RuntimeException e) {
                closeStream();
            }
        }

    }
}
