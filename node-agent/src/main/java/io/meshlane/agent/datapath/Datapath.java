package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.BpfMap;
import io.meshlane.agent.bpf.KernelProbe;
import io.meshlane.agent.bpf.TcIngress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The agent's datapath: the eBPF programs attached under one cgroup subtree, and the live
 * tables (pods, namespace switches) they read. Changes apply to new connections at once;
 * open connections are never touched.
 *
 * <p>{@link #open} installs the programs, or adopts those an earlier agent pinned, so an
 * agent restart leaves accelerated connections alone. {@link #close} releases this
 * process's handles only; {@link #uninstall} removes everything.
 */
public final class Datapath implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Datapath.class.getName());

    public enum Mode { ACCELERATING, PASS_THROUGH }

    private final DatapathConfig config;
    private final Mode mode;
    private final String passThroughReason;
    private final Map<MapName, BpfMap> maps;
    private final Map<String, Integer> programIds;
    private final PodEntries entries;
    private final CounterReader counterReader;
    private final PodValidator validator;
    private final StateFile stateFile;
    private final InboundCapture inbound;
    private AgentState state;

    private Datapath(DatapathConfig config, Mode mode, String reason, Map<MapName, BpfMap> maps,
                     Map<String, Integer> programIds) {
        this.config = config;
        this.mode = mode;
        this.passThroughReason = reason;
        this.maps = maps;
        this.programIds = programIds;
        this.entries = new PodEntries(maps);
        this.counterReader = maps.isEmpty() ? null
                : new CounterReader(maps.get(MapName.ML_COUNTERS), maps.get(MapName.ML_POD_COUNTERS));
        this.validator = new PodValidator(config.cgroupRoot());
        this.stateFile = new StateFile(config.stateDir());
        this.inbound = new InboundCapture(config);
        this.state = stateFile.load();
    }

    /** Probes the host, then installs or adopts the programs; falls back to pass-through, never fails traffic. */
    public static Datapath open(DatapathConfig config) {
        if (!Files.isDirectory(config.cgroupRoot())) {
            throw new DatapathException("cgroup root " + config.cgroupRoot() + " does not exist: create it, "
                    + "or point --cgroup-root at the kubepods cgroup (under " + HostMounts.read().cgroup2().orElse(Path.of("?")) + ")");
        }
        ProbeReport probe = new FeatureProbe(config.forcedMissing()).probe();
        if (!probe.canAccelerate()) {
            String reason = probe.missingSummary();
            LOG.warning("datapath in pass-through mode, traffic is not accelerated: " + reason);
            return new Datapath(config, Mode.PASS_THROUGH, reason, Map.of(), Map.of());
        }
        requireNotRootCgroup(config.cgroupRoot());
        mountBpffs(config.bpffs());
        Path pins = config.pinDir();
        if (ProgramSet.installed(pins)) {
            LOG.info("adopting pinned datapath at " + pins);
        } else {
            ProgramSet.uninstall(pins); // a half-finished install from a crash
            ProgramSet.install(pins, config.cgroupRoot(), config.sockhashEntries());
            LOG.info("datapath installed under cgroup " + config.cgroupRoot() + ", pinned at " + pins);
        }
        Datapath datapath = new Datapath(config, Mode.ACCELERATING, "", ProgramSet.openMaps(pins),
                ProgramSet.programIds(pins));
        datapath.reapplyState();
        return datapath;
    }

    /**
     * Opens the datapath an agent already installed, without installing anything: for
     * status readers and other tools that must not change the node.
     */
    public static Datapath adopt(DatapathConfig config) {
        Path pins = config.pinDir();
        if (!ProgramSet.installed(pins)) {
            throw new DatapathException("no meshlane datapath is pinned at " + pins
                    + ": start the agent (meshlane agent run) for node " + config.nodeName());
        }
        return new Datapath(config, Mode.ACCELERATING, "", ProgramSet.openMaps(pins), ProgramSet.programIds(pins));
    }

    /** Detaches every program of this node's datapath and removes its pins and persisted state. */
    public static void uninstall(DatapathConfig config) {
        new InboundCapture(config).detachAll();
        ProgramSet.uninstall(config.pinDir());
        new StateFile(config.stateDir()).delete();
    }

    public Mode mode() {
        return mode;
    }

    public String passThroughReason() {
        return passThroughReason;
    }

    public Map<String, Integer> programIds() {
        return programIds;
    }

    /** Kernel ids of the pinned maps, by name. */
    public Map<String, Integer> mapIds() {
        Map<String, Integer> ids = new LinkedHashMap<>();
        maps.forEach((name, map) -> ids.put(name.cName(), io.meshlane.agent.bpf.BpfInventory.mapId(map.fd())));
        return ids;
    }

    public DatapathConfig config() {
        return config;
    }

    /** Registers or updates a pod. Invalid input changes nothing and says what to fix. */
    public synchronized void registerPod(PodRegistration pod) {
        Map<String, PodRegistration> registered = registeredPods();
        validator.validate(pod, registered);
        PodRegistration previous = registered.get(pod.key());
        int podId = state.podIds().getOrDefault(pod.key(), state.nextPodId());
        int namespaceId = namespaceId(pod.namespace());
        long cgroupId = PodEntries.cgroupId(pod.cgroup());
        if (mode == Mode.ACCELERATING) {
            Long previousCgroup = state.cgroupIds().get(pod.key());
            if (previous != null && previousCgroup != null) {
                entries.remove(podId, previousCgroup, previous);
            }
            try {
                entries.createCounters(podId, counterReader.zeroPodValue());
                entries.write(podId, namespaceId, pod);
            } catch (RuntimeException e) {
                entries.remove(podId, cgroupId, pod);
                if (previous != null && previousCgroup != null && Files.isDirectory(previous.cgroup())) {
                    entries.write(podId, namespaceId, previous);
                }
                throw new DatapathException("pod " + pod.key() + " could not be registered: " + e.getMessage(), e);
            }
        }
        Map<String, Integer> podIds = new HashMap<>(state.podIds());
        podIds.put(pod.key(), podId);
        Map<String, PodRecord> pods = new HashMap<>(state.pods());
        pods.put(pod.key(), PodRecord.of(pod));
        Map<String, Long> cgroupIds = new HashMap<>(state.cgroupIds());
        cgroupIds.put(pod.key(), cgroupId);
        save(new AgentState(state.namespaceIds(), state.accelerated(), podIds, pods, cgroupIds, state.nextNamespaceId(),
                Math.max(state.nextPodId(), podId + 1)));
    }

    /** Forgets a pod; returns false if it was not registered. Its open connections keep working. */
    public synchronized boolean unregisterPod(String namespace, String name) {
        String key = namespace + "/" + name;
        PodRecord record = state.pods().get(key);
        if (record == null) {
            return false;
        }
        if (mode == Mode.ACCELERATING) {
            inbound.detach(key);
            int podId = state.podIds().get(key);
            Long cgroupId = state.cgroupIds().get(key);
            entries.remove(podId, cgroupId == null ? 0 : cgroupId, record.toRegistration());
            entries.deleteCounters(podId);
        }
        Map<String, Integer> podIds = new HashMap<>(state.podIds());
        podIds.remove(key);
        Map<String, PodRecord> pods = new HashMap<>(state.pods());
        pods.remove(key);
        Map<String, Long> cgroupIds = new HashMap<>(state.cgroupIds());
        cgroupIds.remove(key);
        save(new AgentState(state.namespaceIds(), state.accelerated(), podIds, pods, cgroupIds, state.nextNamespaceId(),
                state.nextPodId()));
        return true;
    }

    /**
     * Captures the pod's inbound TCP without iptables: new connections arriving on its interface
     * {@code ifname} (in the network namespace file {@code netns}) go to its sidecar's transparent
     * inbound listener, unless its namespace is switched off or the port is excluded. Empty in
     * pass-through mode: the connections reach the application directly.
     */
    public synchronized Optional<TcIngress.Kind> captureInbound(String namespace, String name, Path netns, String ifname) {
        String key = namespace + "/" + name;
        PodRecord record = state.pods().get(key);
        if (record == null) {
            throw new DatapathException("pod " + key + " is not registered: register it before capturing its inbound traffic");
        }
        if (!record.toRegistration().sidecar()) {
            throw new DatapathException("pod " + key + " has no sidecar: there is nothing to capture its inbound traffic for");
        }
        if (mode != Mode.ACCELERATING) {
            return Optional.empty();
        }
        return Optional.of(inbound.attach(key, netns, ifname));
    }

    /** Switches acceleration for every pod of a namespace, for new connections, at once. */
    public synchronized void setNamespaceAcceleration(String namespace, boolean enabled) {
        if (namespace == null || namespace.isBlank()) {
            throw new DatapathException("namespace name is empty");
        }
        int id = namespaceId(namespace);
        if (mode == Mode.ACCELERATING) {
            BpfMap switches = maps.get(MapName.ML_NS_ACCEL);
            if (enabled) {
                switches.update(MapLayouts.u32(id), MapLayouts.u32(1), BpfMap.ANY);
            } else {
                switches.delete(MapLayouts.u32(id));
            }
        }
        Map<String, Boolean> accelerated = new HashMap<>(state.accelerated());
        accelerated.put(namespace, enabled);
        save(new AgentState(state.namespaceIds(), accelerated, state.podIds(), state.pods(), state.cgroupIds(),
                state.nextNamespaceId(), state.nextPodId()));
    }

    public synchronized Map<String, PodRegistration> registeredPods() {
        Map<String, PodRegistration> pods = new LinkedHashMap<>();
        state.pods().forEach((key, record) -> pods.put(key, record.toRegistration()));
        return pods;
    }

    public synchronized Map<String, Boolean> namespaces() {
        return Map.copyOf(state.accelerated());
    }

    /** Counter totals (all zero in pass-through mode). */
    public CounterSnapshot counters() {
        return counterReader == null ? CounterSnapshot.empty() : counterReader.read();
    }

    /** Each registered pod's counters since it was registered, by "namespace/name". */
    public synchronized Map<String, CounterSnapshot> podCounters() {
        Map<String, CounterSnapshot> out = new LinkedHashMap<>();
        for (String key : state.pods().keySet()) {
            out.put(key, counterReader == null ? CounterSnapshot.empty() : counterReader.readPod(state.podIds().get(key)));
        }
        return out;
    }

    /** Exposed for the stats benchmark: a reader over the pinned counter map. */
    public CounterReader counterReader() {
        if (counterReader == null) {
            throw new DatapathException("no counters in pass-through mode: " + passThroughReason);
        }
        return counterReader;
    }

    public synchronized DatapathStatus status() {
        return new DatapathStatus(mode, passThroughReason, config.pinDir().toString(), programIds,
                state.pods().size(), namespaces(), counters());
    }

    /** Releases this process's handles. Programs, links and maps stay pinned and keep working. */
    @Override
    public synchronized void close() {
        if (counterReader != null) {
            counterReader.close();
        }
        maps.values().forEach(BpfMap::close);
    }

    /** After adoption, rewrite the persisted tables so maps and state agree (idempotent). */
    private void reapplyState() {
        state.accelerated().forEach(this::setNamespaceAcceleration);
        for (PodRecord record : state.pods().values()) {
            PodRegistration pod = record.toRegistration();
            if (Files.isDirectory(pod.cgroup())) {
                entries.createCounters(state.podIds().get(pod.key()), counterReader.zeroPodValue());
                entries.write(state.podIds().get(pod.key()), namespaceId(pod.namespace()), pod);
            } else {
                LOG.warning("pod " + pod.key() + " vanished while the agent was away (no cgroup " + pod.cgroup()
                        + "); unregistering it");
                unregisterPod(pod.namespace(), pod.name());
            }
        }
    }

    private int namespaceId(String namespace) {
        Integer id = state.namespaceIds().get(namespace);
        if (id != null) {
            return id;
        }
        int fresh = state.nextNamespaceId();
        Map<String, Integer> ids = new HashMap<>(state.namespaceIds());
        ids.put(namespace, fresh);
        save(new AgentState(ids, state.accelerated(), state.podIds(), state.pods(), state.cgroupIds(), fresh + 1,
                state.nextPodId()));
        return fresh;
    }

    private void save(AgentState next) {
        stateFile.save(next);
        state = next;
    }

    private static void requireNotRootCgroup(Path cgroupRoot) {
        HostMounts mounts = HostMounts.read();
        Path mount = mounts.requireCgroup2();
        if (!cgroupRoot.startsWith(mount)) {
            throw new DatapathException("cgroup root " + cgroupRoot + " is not inside the cgroup v2 mount " + mount);
        }
        if (cgroupRoot.equals(mount)) {
            throw new DatapathException("refusing to attach to the machine's root cgroup " + mount
                    + ": point --cgroup-root at the kubepods (or lab) subtree");
        }
    }

    private static void mountBpffs(Path bpffs) {
        if (HostMounts.read().isBpffs(bpffs)) {
            return;
        }
        try {
            Files.createDirectories(bpffs);
        } catch (java.io.IOException e) {
            throw new DatapathException("creating bpffs mount point " + bpffs + ": " + e.getMessage(), e);
        }
        KernelProbe.mountBpffs(bpffs);
        LOG.info("mounted bpffs at " + bpffs);
    }
}
