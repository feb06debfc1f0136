package io.meshlane.installer.cli;

import io.meshlane.installer.chart.Chart;
import io.meshlane.installer.chart.RenderedManifests;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code meshlane install --render DIR [--set k=v]...}: the chart's manifests, rendered by Helm's own code, as files. */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Render the Helm chart (installer/helm/meshlane) into manifests to inspect or kubectl apply -f.")
public final class InstallCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--render", required = true, paramLabel = "DIR",
            description = "Write one file per object into DIR (created if missing); apply them with kubectl apply -f DIR.")
    Path dir;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A chart value, as helm install --set takes it (repeatable); a list item by index, e.g."
            + " control.store.etcd.endpoints[0]=http://etcd:2379.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--set-file", paramLabel = "KEY=FILE", description = "A chart value read from a file, e.g. aggregation.caBundle=ca.crt (repeatable).")
    List<String> setFiles = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<Map.Entry<String, String>> values = new ArrayList<>();
        for (String set : sets) {
            values.add(pair(set, "--set"));
        }
        Map<String, Path> files = new LinkedHashMap<>();
        for (String setFile : setFiles) {
            Map.Entry<String, String> kv = pair(setFile, "--set-file");
            Path file = Path.of(kv.getValue());
            if (!Files.isReadable(file)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--set-file " + setFile + ": " + file + " is not a readable file");
            }
            files.put(kv.getKey(), file);
        }
        String yaml;
        try {
            yaml = Chart.ofThisCheckout().render(values, files);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("meshlane: the chart refused these values: " + e.getMessage().strip());
            return 2;
        }
        List<Path> written = RenderedManifests.parse(yaml).writeTo(dir);
        spec.commandLine().getOut().println("wrote " + written.size() + " manifests to " + dir + "; apply them with: kubectl apply -f " + dir);
        return 0;
    }

    private Map.Entry<String, String> pair(String arg, String option) {
        int eq = arg.indexOf('=');
        if (eq <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + " takes KEY=VALUE with a chart value's dotted path, e.g. " + option + " datapath.required=true; got \"" + arg + "\"");
        }
        return Map.entry(arg.substring(0, eq), arg.substring(eq + 1));
    }
}
