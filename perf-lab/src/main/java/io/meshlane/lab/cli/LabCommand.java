package io.meshlane.lab.cli;

import io.meshlane.lab.node.LabState;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code meshlane lab up|down|status}: the simulated node. */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "A simulated Kubernetes node: pods as network namespaces + cgroups on a bridge, with sidecars.",
        subcommands = {LabCommand.Up.class, LabCommand.Down.class, LabCommand.Status.class})
public final class LabCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Create the lab declared in a pod file (YAML) and start its sidecars and apps.")
    static final class Up implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "POD_FILE", description = "the pod file (YAML)")
        Path file;
        @Option(names = "--lab", description = "lab name, overrides the file's 'lab:' ([a-z0-9]{1,12})")
        String lab;

        @Override
        public Integer call() {
            return CliErrors.guard(spec, () -> {
                LabSpec parsed = PodFile.read(file);
                LabSpec labSpec = lab == null ? parsed : parsed.withName(lab);
                NodeLab nodeLab = NodeLab.up(labSpec);
                PrintWriter out = spec.commandLine().getOut();
                out.println("lab '" + labSpec.name() + "' is up: " + nodeLab.pods().size() + " pod(s); "
                        + "`meshlane lab status --lab " + labSpec.name() + "` shows them, "
                        + "`meshlane lab down --lab " + labSpec.name() + "` removes them");
                NodeLab.status(labSpec.name()).ifPresent(s -> StatusTable.print(s, out));
                return 0;
            });
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Remove everything a lab made (processes, namespaces, veths, cgroups, iptables rules, eBPF pins). Idempotent.")
    static final class Down implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--lab", defaultValue = PodFile.DEFAULT_LAB, description = "lab name (default: ${DEFAULT-VALUE})")
        String lab;
        @Option(names = "--all", description = "remove every lab found on this machine")
        boolean all;

        @Override
        public Integer call() {
            return CliErrors.guard(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                List<String> labs = all ? NodeLab.labs() : List.of(lab);
                for (String name : labs) {
                    List<String> removed = NodeLab.down(name);
                    out.println(removed.isEmpty() ? "lab '" + name + "': nothing to remove"
                            : "lab '" + name + "' removed:\n  " + String.join("\n  ", removed));
                }
                if (labs.isEmpty()) {
                    out.println("no lab found");
                }
                return 0;
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a lab's pods, addresses, modes and processes.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--lab", defaultValue = PodFile.DEFAULT_LAB, description = "lab name (default: ${DEFAULT-VALUE})")
        String lab;

        @Override
        public Integer call() {
            return CliErrors.guard(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                var state = NodeLab.status(lab);
                if (state.isEmpty()) {
                    List<String> labs = NodeLab.labs();
                    out.println("lab '" + lab + "' is not up" + (labs.isEmpty() ? "" : "; labs found: " + labs));
                    return 3;
                }
                StatusTable.print(state.get(), out);
                return 0;
            });
        }
    }

    /** Formats a lab's state for people. */
    static final class StatusTable {
        private StatusTable() {
        }

        static void print(LabState s, PrintWriter out) {
            out.printf("lab %s  node netns %s  bridge %s  cgroups %s%s%n", s.lab(), s.nodeNetns(), s.bridge(), s.cgroupRoot(),
                    s.datapathNode() == null ? "" : "  datapath node " + s.datapathNode());
            out.printf("%-28s %-14s %-9s %-8s %-36s %s%n", "POD", "IP", "MODE", "SIDECAR", "NETNS", "PROCESSES");
            for (LabState.Pod p : s.pods()) {
                String key = p.namespace() + "/" + p.name();
                StringBuilder procs = new StringBuilder();
                for (LabState.Proc proc : s.processes()) {
                    if (proc.pod().equals(key)) {
                        procs.append(proc.role()).append(':').append(proc.pid()).append(proc.alive() ? "(up) " : "(dead) ");
                    }
                }
                out.printf("%-28s %-14s %-9s %-8s %-36s %s%n", key, p.ip(), p.mode(), p.sidecar() ? "yes" : "no",
                        p.netns(), procs.toString().trim());
            }
            out.flush();
        }
    }
}
