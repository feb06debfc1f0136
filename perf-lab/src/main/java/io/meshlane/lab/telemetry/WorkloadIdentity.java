package io.meshlane.lab.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.resources.Resource;

/** Who a lab process is, in the Kubernetes terms the control plane groups telemetry by. */
public record WorkloadIdentity(String namespace, String workload, String service, String pod, String cluster) {
    static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("k8s.namespace.name");
    static final AttributeKey<String> DEPLOYMENT = AttributeKey.stringKey("k8s.deployment.name");
    static final AttributeKey<String> POD = AttributeKey.stringKey("k8s.pod.name");
    static final AttributeKey<String> CLUSTER = AttributeKey.stringKey("k8s.cluster.name");

    public Resource resource() {
        return Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, service, NAMESPACE, namespace,
                DEPLOYMENT, workload, POD, pod, CLUSTER, cluster)));
    }

    /** {@code --namespace N --workload W --service S --pod P --cluster C}. */
    public java.util.List<String> args() {
        return java.util.List.of("--namespace", namespace, "--workload", workload, "--service", service,
                "--pod", pod, "--cluster", cluster);
    }
}
