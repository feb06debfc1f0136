package io.meshlane.installer.chart;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.APIService;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Helm chart through Helm's own lint and template (helm-java), each rendered object parsed
 * strictly into fabric8's typed models; the assertions are what a cluster operator relies on.
 */
class ChartTest {

    private static final Chart CHART = Chart.at(Path.of("helm/meshlane"));
    private static final String PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

    @TempDir
    Path dir;

    @Test
    void helmLintsTheChartClean() {
        LintResult lint = CHART.lint();
        assertFalse(lint.isFailed(), "helm lint --strict: " + lint.getMessages());
        assertTrue(lint.getMessages().stream().noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]")), lint.getMessages().toString());
    }

    @Test
    void defaultsRenderTheAgentDaemonSetWithTheDatapathsPrivilegesAndNoMore() throws Exception {
        List<HasMetadata> objects = StrictManifests.parse(CHART.render(List.of(), Map.of()));
        DaemonSet agent = StrictManifests.one(objects, DaemonSet.class);
        PodSpec pod = agent.getSpec().getTemplate().getSpec();
        assertTrue(pod.getHostNetwork(), "host network");
        assertEquals("system-node-critical", pod.getPriorityClassName());
        assertEquals("Exists", pod.getTolerations().get(0).getOperator(), "tolerates every taint");
        assertNull(pod.getTolerations().get(0).getKey());
        assertEquals("RollingUpdate", agent.getSpec().getUpdateStrategy().getType());
        assertEquals(1, agent.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        assertEquals("meshlane-agent", pod.getServiceAccountName());

        Container preflight = pod.getInitContainers().get(0);
        assertEquals(List.of("preflight", "--report-only"), preflight.getArgs(), "datapath.required=false: report, then pass-through");
        Container run = pod.getContainers().get(0);
        assertEquals("run", run.getArgs().get(0));
        assertEquals("meshlane/node-agent:0.1.0-SNAPSHOT", run.getImage());
        assertTrue(run.getArgs().contains("--node=$(NODE_NAME)"));
        assertEquals("spec.nodeName", run.getEnv().get(0).getValueFrom().getFieldRef().getFieldPath());
        assertTrue(run.getArgs().stream().noneMatch(a -> a.startsWith("--control-plane")), "no trust given: local switches only");
        for (Container c : List.of(preflight, run)) {
            assertFalse(Boolean.TRUE.equals(c.getSecurityContext().getPrivileged()), c.getName() + " not privileged");
            Capabilities caps = c.getSecurityContext().getCapabilities();
            assertEquals(List.of("ALL"), caps.getDrop());
            assertEquals(Set.of("BPF", "NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"), Set.copyOf(caps.getAdd()), c.getName());
            Map<String, VolumeMount> mounts = c.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getName, m -> m));
            assertEquals("/sys/fs/bpf", mounts.get("bpffs").getMountPath());
            assertEquals("HostToContainer", mounts.get("bpffs").getMountPropagation());
            assertEquals("/sys/fs/cgroup", mounts.get("cgroup").getMountPath());
        }
        assertEquals("/sys/fs/bpf", pod.getVolumes().stream().filter(v -> v.getName().equals("bpffs")).findFirst().orElseThrow()
                .getHostPath().getPath());
        assertEquals("/-/healthy", run.getLivenessProbe().getHttpGet().getPath());
        assertEquals("127.0.0.1", run.getLivenessProbe().getHttpGet().getHost(), "host network: the kubelet probes loopback");
        assertEquals(15091, run.getReadinessProbe().getHttpGet().getPort().getIntVal());
        assertTrue(run.getArgs().contains("--metrics-port=15091"), "probes and agent agree on the port");
        assertNotEquals(null, run.getResources().getLimits().get("memory"));

        ClusterRole role = StrictManifests.one(objects, ClusterRole.class);
        assertEquals(1, role.getRules().size());
        PolicyRule rule = role.getRules().get(0);
        assertEquals(List.of(""), rule.getApiGroups());
        assertEquals(Set.of("pods", "namespaces"), Set.copyOf(rule.getResources()));
        assertEquals(List.of("get", "list", "watch"), rule.getVerbs());
        ClusterRoleBinding binding = StrictManifests.one(objects, ClusterRoleBinding.class);
        assertEquals("meshlane-agent", binding.getSubjects().get(0).getName());
        assertEquals(Chart.NAMESPACE, binding.getSubjects().get(0).getNamespace());

        Service service = StrictManifests.one(objects, Service.class);
        assertEquals(Map.of("api", 6443, "agents", 15012, "xds", 15010, "otlp-grpc", 4317, "otlp-http", 4318),
                service.getSpec().getPorts().stream().collect(Collectors.toMap(ServicePort::getName, ServicePort::getPort)));
        Deployment control = StrictManifests.one(objects, Deployment.class);
        PodSpec controlPod = control.getSpec().getTemplate().getSpec();
        assertTrue(controlPod.getSecurityContext().getRunAsNonRoot());
        Container plane = controlPod.getContainers().get(0);
        assertTrue(plane.getSecurityContext().getReadOnlyRootFilesystem());
        assertTrue(plane.getArgs().contains("--listen=0.0.0.0:6443"));
        assertTrue(plane.getArgs().contains("--serving-name=meshlane-control.meshlane-system.svc"), "agents verify the Service's name: " + plane.getArgs());
        assertFalse(plane.getArgs().contains("--store=etcd"));
        PersistentVolumeClaim pvc = StrictManifests.one(objects, PersistentVolumeClaim.class);
        assertEquals(pvc.getMetadata().getName(), controlPod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
        assertEquals("Recreate", control.getSpec().getStrategy().getType(), "one writer of the embedded store");
        assertEquals(control.getSpec().getSelector().getMatchLabels(),
                StrictManifests.one(objects, PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels());
        assertTrue(StrictManifests.all(objects, APIService.class).isEmpty(), "aggregation is opt-in");
    }

    @Test
    void etcdAndAggregationValuesRenderSharedStoreReplicasTrustAndAnApiServicePerGroup() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), PEM);
        List<HasMetadata> objects = StrictManifests.parse(CHART.render(List.of(
                Map.entry("control.store.engine", "etcd"),
                Map.entry("control.store.etcd.endpoints[0]", "http://etcd-0.etcd:2379"),
                Map.entry("control.store.etcd.endpoints[1]", "http://etcd-1.etcd:2379"),
                Map.entry("control.replicas", "3"),
                Map.entry("control.tlsSecret", "meshlane-control-tls"),
                Map.entry("datapath.required", "true"),
                Map.entry("controlPlane.joinToken", "jt-123"),
                Map.entry("aggregation.enabled", "true"),
                Map.entry("aggregation.controlPlaneUrl", "https://10.0.0.5:6443")),
                Map.of("controlPlane.ca", ca, "aggregation.caBundle", ca)));
        assertTrue(StrictManifests.all(objects, PersistentVolumeClaim.class).isEmpty(), "etcd holds the objects: no PVC");
        Deployment control = StrictManifests.one(objects, Deployment.class);
        assertEquals(3, control.getSpec().getReplicas());
        List<String> args = control.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        assertTrue(args.contains("--store=etcd") && args.contains("--etcd-endpoints=http://etcd-0.etcd:2379,http://etcd-1.etcd:2379"), args.toString());
        assertEquals(Set.of("ca.crt", "ca.key", "server.p12", "server.p12.pass"),
                control.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts().stream()
                        .filter(m -> m.getName().equals("tls")).map(VolumeMount::getSubPath).collect(Collectors.toSet()));

        PodSpec agent = StrictManifests.one(objects, DaemonSet.class).getSpec().getTemplate().getSpec();
        assertEquals(List.of("preflight"), agent.getInitContainers().get(0).getArgs(), "datapath.required: preflight fails the pod");
        List<String> agentArgs = agent.getContainers().get(0).getArgs();
        assertTrue(agentArgs.contains("--control-plane=meshlane-control.meshlane-system.svc:15012"), agentArgs.toString());
        assertTrue(agentArgs.contains("--join-token-file=/etc/meshlane/trust/join-token"));
        var trust = StrictManifests.all(objects, io.fabric8.kubernetes.api.model.Secret.class).get(0);
        assertEquals("jt-123", new String(Base64.getDecoder().decode(trust.getData().get("join-token"))));

        List<APIService> apis = StrictManifests.all(objects, APIService.class);
        assertEquals(9, apis.size());
        assertTrue(apis.stream().anyMatch(a -> a.getMetadata().getName().equals("v1beta1.external.metrics.k8s.io")
                && a.getSpec().getGroup().equals("external.metrics.k8s.io")), "the external metrics API is aggregated too");
        APIService networking = apis.stream().filter(a -> a.getMetadata().getName().equals("v1.networking.istio.io")).findFirst().orElseThrow();
        assertEquals("networking.istio.io", networking.getSpec().getGroup());
        assertEquals(6443, networking.getSpec().getService().getPort());
        assertArrayEquals(PEM.getBytes(), Base64.getDecoder().decode(networking.getSpec().getCaBundle()));
        Service remote = StrictManifests.all(objects, Service.class).stream()
                .filter(s -> s.getMetadata().getName().equals(networking.getSpec().getService().getName())).findFirst().orElseThrow();
        assertTrue(remote.getSpec().getSelector() == null || remote.getSpec().getSelector().isEmpty(), "an IP: selector-less Service with Endpoints");
        assertEquals("10.0.0.5", StrictManifests.one(objects, io.fabric8.kubernetes.api.model.Endpoints.class)
                .getSubsets().get(0).getAddresses().get(0).getIp());
    }

    @Test
    void valuesTheChartCannotServeAreRefusedWithWhatToSet() {
        assertTrue(refusal(Map.entry("control.store.engine", "etcd")).contains("control.store.etcd.endpoints"));
        assertTrue(refusal(Map.entry("control.replicas", "2")).contains("control.store.engine=etcd"));
        assertTrue(refusal(Map.entry("control.store.engine", "sqlite")).contains("embedded or etcd"));
        assertTrue(refusal(Map.entry("aggregation.enabled", "true")).contains("https://host:port"));
    }

    private static String refusal(Map.Entry<String, String> value) {
        return assertThrows(IllegalArgumentException.class, () -> CHART.render(List.of(value), Map.of())).getMessage();
    }
}
