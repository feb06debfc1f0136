package io.meshlane.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshlane.control.mesh.IstioCrds;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshlane analyze}: lists the Istio objects mesh-control does not fully act on, from the conditions it
 * writes on them (a field meshlane does not translate, an object the translator refused, a NACK, a Gateway that
 * selects no workload), read through the control plane's Kubernetes API as kubectl would. Exit code 1 when
 * any object has a problem, so CI can gate on it.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "List Istio objects with unsupported fields or failed conditions on the control plane; exit 1 when there are any.")
public final class AnalyzeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--kubeconfig", description = "The control plane's kubeconfig (default: ~/.meshlane/kubeconfig, which mesh-control writes).")
    Path kubeconfig = Path.of(System.getProperty("user.home"), ".meshlane", "kubeconfig");

    @Option(names = {"-n", "--namespace"}, description = "Only this namespace (default: all).")
    String namespace;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isReadable(kubeconfig)) {
            err.println("meshlane analyze: kubeconfig " + kubeconfig + " is not readable: pass --kubeconfig (mesh-control writes one into its data directory)");
            return 2;
        }
        List<String> problems = new ArrayList<>();
        int objects = 0;
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
            for (ObjectNode crd : IstioCrds.all()) {
                String group = crd.path("spec").path("group").asText();
                String kind = crd.path("spec").path("names").path("kind").asText();
                String apiVersion = group + "/" + crd.path("spec").path("versions").path(0).path("name").asText();
                var resources = client.genericKubernetesResources(apiVersion, kind);
                List<GenericKubernetesResource> items = (namespace == null ? resources.inAnyNamespace().list()
                        : resources.inNamespace(namespace).list()).getItems();
                for (GenericKubernetesResource item : items) {
                    objects++;
                    problems.addAll(problems(kind, item));
                }
            }
        } catch (KubernetesClientException e) {
            err.println("meshlane analyze: cannot list Istio objects at the control plane in " + kubeconfig + ": " + e.getMessage()
                    + " (is mesh-control running? start it with ./meshlane control or ./meshlane up)");
            return 2;
        } catch (java.io.IOException e) {
            err.println("meshlane analyze: cannot read " + kubeconfig + ": " + e.getMessage());
            return 2;
        }
        problems.forEach(out::println);
        out.println(problems.isEmpty() ? "analyzed " + objects + " Istio objects: no problems found"
                : problems.size() + " problem(s) in " + objects + " Istio objects; see mesh-control/docs/istio-fields.md");
        out.flush();
        return problems.isEmpty() ? 0 : 1;
    }

    /** One line per condition whose status is False: {@code Kind namespace/name Type Reason: message}. */
    private static List<String> problems(String kind, GenericKubernetesResource item) {
        JsonNode status = JSON.valueToTree(item.getAdditionalProperties().get("status"));
        List<String> out = new ArrayList<>();
        if (status == null) {
            return out;
        }
        for (JsonNode c : status.path("conditions")) {
            if ("False".equals(c.path("status").asText())) {
                out.add(kind + " " + item.getMetadata().getNamespace() + "/" + item.getMetadata().getName() + " "
                        + c.path("type").asText() + " " + c.path("reason").asText() + ": " + c.path("message").asText());
            }
        }
        return out;
    }
}
