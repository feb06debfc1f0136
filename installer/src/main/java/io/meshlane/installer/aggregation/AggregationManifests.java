package io.meshlane.installer.aggregation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The manifests a member cluster applies so that its kube-aggregator forwards the hosted
 * groups to mesh-control: one Service pointing at mesh-control (ExternalName for a host name;
 * selector-less with an Endpoints object for an IP) and one APIService per group-version.
 */
public final class AggregationManifests {

    public static final List<String> HOSTED = List.of("networking.istio.io/v1", "networking.istio.io/v1beta1",
            "networking.istio.io/v1alpha3", "security.istio.io/v1", "security.istio.io/v1beta1",
            "telemetry.istio.io/v1", "telemetry.istio.io/v1alpha1", "meshlane.io/v1alpha1");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final String NAMESPACE = "meshlane-system";
    private static final String SERVICE = "meshlane-control";

    private final URI controlPlane;
    private final byte[] caBundle;

    /**
     * @param controlPlane mesh-control's URL as the member cluster reaches it, e.g. https://10.0.0.5:6443
     * @param caBundle     PEM of the CA that signed mesh-control's serving certificate
     */
    public AggregationManifests(URI controlPlane, byte[] caBundle) {
        if (!"https".equals(controlPlane.getScheme()) || controlPlane.getHost() == null) {
            throw new IllegalArgumentException("the control plane URL must be https://host:port, got " + controlPlane);
        }
        if (caBundle.length == 0 || !new String(caBundle).contains("BEGIN CERTIFICATE")) {
            throw new IllegalArgumentException("the CA bundle is not a PEM certificate (use <data-dir>/ca.crt)");
        }
        this.controlPlane = controlPlane;
        this.caBundle = caBundle.clone();
    }

    /** YAML documents, separated by ---, ready for {@code kubectl apply -f -}. */
    public String render(List<String> groupVersions) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
        StringBuilder out = new StringBuilder();
        try {
            for (ObjectNode doc : documents(yaml, groupVersions)) {
                out.append("---\n").append(yaml.writeValueAsString(doc));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    private List<ObjectNode> documents(ObjectMapper json, List<String> groupVersions) {
        java.util.ArrayList<ObjectNode> docs = new java.util.ArrayList<>();
        docs.add(namespace(json));
        String host = controlPlane.getHost();
        int port = controlPlane.getPort() > 0 ? controlPlane.getPort() : 443;
        boolean ip = IPV4.matcher(host).matches();
        docs.add(service(json, ip ? null : host, port));
        if (ip) {
            docs.add(endpoints(json, host, port));
        }
        for (String gv : groupVersions) {
            docs.add(apiService(json, gv, port));
        }
        return docs;
    }

    private static ObjectNode namespace(ObjectMapper json) {
        ObjectNode ns = json.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace");
        ns.putObject("metadata").put("name", NAMESPACE);
        return ns;
    }

    private static ObjectNode service(ObjectMapper json, String externalName, int port) {
        ObjectNode svc = json.createObjectNode().put("apiVersion", "v1").put("kind", "Service");
        svc.putObject("metadata").put("name", SERVICE).put("namespace", NAMESPACE);
        ObjectNode spec = svc.putObject("spec");
        if (externalName != null) {
            spec.put("type", "ExternalName").put("externalName", externalName);
        }
        spec.putArray("ports").addObject().put("name", "https").put("port", port).put("protocol", "TCP");
        return svc;
    }

    private static ObjectNode endpoints(ObjectMapper json, String ip, int port) {
        ObjectNode ep = json.createObjectNode().put("apiVersion", "v1").put("kind", "Endpoints");
        ep.putObject("metadata").put("name", SERVICE).put("namespace", NAMESPACE);
        ObjectNode subset = ep.putArray("subsets").addObject();
        subset.putArray("addresses").addObject().put("ip", ip);
        subset.putArray("ports").addObject().put("name", "https").put("port", port).put("protocol", "TCP");
        return ep;
    }

    private ObjectNode apiService(ObjectMapper json, String groupVersion, int port) {
        int slash = groupVersion.indexOf('/');
        if (slash <= 0 || slash == groupVersion.length() - 1) {
            throw new IllegalArgumentException("\"" + groupVersion + "\" is not group/version, e.g. networking.istio.io/v1");
        }
        String group = groupVersion.substring(0, slash);
        String version = groupVersion.substring(slash + 1);
        ObjectNode api = json.createObjectNode().put("apiVersion", "apiregistration.k8s.io/v1").put("kind", "APIService");
        api.putObject("metadata").put("name", version + "." + group);
        ObjectNode spec = api.putObject("spec");
        spec.put("group", group).put("version", version);
        spec.putObject("service").put("namespace", NAMESPACE).put("name", SERVICE).put("port", port);
        spec.put("caBundle", Base64.getEncoder().encodeToString(caBundle));
        spec.put("groupPriorityMinimum", 1000).put("versionPriority", version.equals("v1") ? 20 : 15);
        return api;
    }
}
