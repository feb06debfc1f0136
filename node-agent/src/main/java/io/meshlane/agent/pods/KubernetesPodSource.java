package io.meshlane.agent.pods;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshlane.agent.datapath.PodRegistration;
import io.meshlane.agent.policy.LabelSwitch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Pods from the Kubernetes API: informers on this node's pods ({@code spec.nodeName}) and on
 * namespaces. Pods whose cgroup kubelet has not created yet are picked up by a periodic
 * re-check, so an agent started before or after its pods ends in the same state.
 */
public final class KubernetesPodSource implements PodSource {

    private static final Logger LOG = Logger.getLogger(KubernetesPodSource.class.getName());

    private final KubernetesClient client;
    private final String nodeName;
    private final CgroupLayout layout;
    private final boolean nodeFieldSelector;
    private final ScheduledExecutorService recheck = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("k8s-pods").factory());
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<Namespace> namespaces;

    public KubernetesPodSource(KubernetesClient client, String nodeName, CgroupLayout layout) {
        this(client, nodeName, layout, true);
    }

    /**
     * @param nodeFieldSelector ask the API server for this node's pods only ({@code spec.nodeName});
     *                          pods of other nodes are dropped here in any case
     */
    public KubernetesPodSource(KubernetesClient client, String nodeName, CgroupLayout layout, boolean nodeFieldSelector) {
        this.client = client;
        this.nodeName = nodeName;
        this.layout = layout;
        this.nodeFieldSelector = nodeFieldSelector;
    }

    @Override
    public void start(Consumer<NodePods> sink) {
        Runnable publish = () -> recheck.execute(() -> sink.accept(snapshot()));
        ResourceEventHandler<Object> onChange = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object obj) {
                publish.run();
            }

            @Override
            public void onUpdate(Object oldObj, Object newObj) {
                publish.run();
            }

            @Override
            public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
                publish.run();
            }
        };
        var allPods = client.pods().inAnyNamespace();
        pods = (nodeFieldSelector ? allPods.withField("spec.nodeName", nodeName) : allPods).inform(cast(onChange), 0);
        namespaces = client.namespaces().inform(cast(onChange), 0);
        recheck.scheduleWithFixedDelay(() -> sink.accept(snapshot()), 2, 2, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> handler) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
    }

    /** The node's meshed pods and namespace switches as the informers see them now. */
    NodePods snapshot() {
        Map<String, PodRegistration> meshed = new HashMap<>();
        for (Pod pod : pods.getStore().list()) {
            toRegistration(pod).ifPresent(r -> meshed.put(r.key(), r));
        }
        Map<String, Boolean> switches = new HashMap<>();
        for (Namespace ns : namespaces.getStore().list()) {
            String name = ns.getMetadata().getName();
            LabelSwitch.of(name, ns.getMetadata().getLabels()).ifPresent(on -> switches.put(name, on));
        }
        return new NodePods(meshed, switches);
    }

    Optional<PodRegistration> toRegistration(Pod pod) {
        if (!nodeName.equals(pod.getSpec().getNodeName()) || pod.getMetadata().getDeletionTimestamp() != null
                || Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) || pod.getStatus() == null) {
            return Optional.empty();
        }
        List<InetAddress> ips = addresses(pod);
        if (ips.isEmpty()) {
            return Optional.empty();
        }
        String uid = pod.getMetadata().getUid();
        var cgroup = layout.find(uid, pod.getStatus().getQosClass());
        if (cgroup.isEmpty()) {
            LOG.fine("pod " + pod.getMetadata().getName() + ": no cgroup yet at " + layout.candidates(uid, pod.getStatus().getQosClass()));
            return Optional.empty();
        }
        IstioAnnotations istio = new IstioAnnotations(pod);
        return Optional.of(new PodRegistration(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), cgroup.get(), ips,
                istio.hasSidecar(), istio.proxyUid(), PodRegistration.ISTIO_OUTBOUND_PORT,
                PodRegistration.ISTIO_INBOUND_PORT, istio.excludedOutboundPorts(), istio.excludedRanges(),
                istio.includedRanges(), istio.excludedInboundPorts()));
    }

    private List<InetAddress> addresses(Pod pod) {
        List<String> texts = new ArrayList<>();
        if (pod.getStatus().getPodIPs() != null) {
            pod.getStatus().getPodIPs().stream().map(PodIP::getIp).forEach(texts::add);
        }
        if (texts.isEmpty() && pod.getStatus().getPodIP() != null) {
            texts.add(pod.getStatus().getPodIP());
        }
        List<InetAddress> ips = new ArrayList<>();
        boolean v4 = false;
        boolean v6 = false;
        for (String text : texts) {
            try {
                InetAddress ip = InetAddress.getByName(text);
                boolean isV4 = ip instanceof java.net.Inet4Address;
                if ((isV4 && !v4) || (!isV4 && !v6)) {
                    ips.add(ip);
                    v4 |= isV4;
                    v6 |= !isV4;
                }
            } catch (UnknownHostException e) {
                LOG.warning("pod " + pod.getMetadata().getName() + ": pod IP \"" + text + "\" is not an address; ignoring it");
            }
        }
        return ips;
    }

    @Override
    public void close() {
        recheck.shutdownNow();
        if (pods != null) {
            pods.close();
        }
        if (namespaces != null) {
            namespaces.close();
        }
    }
}
