package io.meshlane.lab.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads and validates a lab's pod file (YAML). Everything is checked before anything is
 * created; all problems are reported at once.
 *
 * <pre>
 * lab: demo                       # optional, [a-z0-9]{1,12}
 * pods:
 *   - namespace: default          # optional, default "default"
 *     name: server
 *     labels: {app: echo}
 *     sidecar: true               # optional: defaults to (mode != direct)
 *     mode: iptables              # direct | iptables | ebpf (default: iptables with a sidecar)
 *     ip: 10.244.0.10             # optional, from 10.244.0.0/16
 *     app: {type: echo, port: 8080}
 *   - name: client
 *     mode: iptables
 *     app: {type: load, target: default/server, port: 8080, rate: 100, payload: 64, connections: 2}
 *   - name: tools
 *     mode: direct
 *     app: {type: command, command: [sleep, "3600"]}
 * </pre>
 */
public final class PodFile {
    public static final String DEFAULT_LAB = "lab";
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern LAB_NAME = Pattern.compile("[a-z0-9]{1,12}");
    private static final List<Integer> SIDECAR_PORTS = List.of(15001, 15006);

    record RawApp(String type, Integer port, String target, Integer rate, Integer payload,
                  Integer connections, List<String> command) { }

    record RawPod(String namespace, String name, Map<String, String> labels, Boolean sidecar,
                  String mode, String ip, RawApp app) { }

    record RawFile(String lab, List<RawPod> pods) { }

    private PodFile() {
    }

    public static boolean validLabName(String lab) {
        return lab != null && LAB_NAME.matcher(lab).matches();
    }

    public static LabSpec read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new LabSpecException("pod file " + file + " does not exist or is not a file");
        }
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new LabSpecException("cannot read pod file " + file + ": " + e.getMessage(), e);
        }
    }

    public static LabSpec parse(String yaml, String origin) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        RawFile raw;
        try {
            raw = mapper.readValue(yaml, RawFile.class);
        } catch (JacksonException e) {
            throw new LabSpecException(origin + ": not a valid pod file: " + e.getOriginalMessage()
                    + location(e) + ". Expected keys: lab, pods[].{namespace, name, labels, sidecar, mode, ip, app}", e);
        }
        if (raw == null) {
            throw new LabSpecException(origin + ": the pod file is empty; declare at least one pod under 'pods:'");
        }
        return validate(raw, origin);
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    }

    private static LabSpec validate(RawFile raw, String origin) {
        List<String> problems = new ArrayList<>();
        String lab = raw.lab() == null ? DEFAULT_LAB : raw.lab();
        if (!LAB_NAME.matcher(lab).matches()) {
            problems.add("lab name '" + lab + "' must be 1-12 characters of [a-z0-9]");
        }
        List<RawPod> pods = raw.pods() == null ? List.of() : raw.pods();
        if (pods.isEmpty()) {
            problems.add("no pods declared; add at least one under 'pods:'");
        }
        Map<String, String> seen = new HashMap<>();
        Map<Inet4Address, String> explicitIps = new HashMap<>();
        AddressPlan plan = new AddressPlan();
        List<PodSpec> specs = new ArrayList<>();
        List<Integer> needsIp = new ArrayList<>();
        for (int i = 0; i < pods.size(); i++) {
            RawPod p = pods.get(i);
            String where = "pods[" + i + "]";
            if (p == null) {
                problems.add(where + ": empty entry");
                continue;
            }
            String ns = p.namespace() == null ? "default" : p.namespace();
            String name = p.name();
            if (name == null) {
                problems.add(where + ": missing 'name'");
                continue;
            }
            String key = ns + "/" + name;
            where = where + " (" + key + ")";
            if (!DNS_LABEL.matcher(ns).matches()) {
                problems.add(where + ": namespace '" + ns + "' is not a DNS label ([a-z0-9-], at most 63)");
            }
            if (!DNS_LABEL.matcher(name).matches()) {
                problems.add(where + ": name '" + name + "' is not a DNS label ([a-z0-9-], at most 63)");
            }
            String first = seen.putIfAbsent(key, "pods[" + i + "]");
            if (first != null) {
                problems.add(where + ": duplicate pod name " + key + " (already declared at " + first + ")");
            }
            PodMode mode = mode(p, where, problems);
            boolean sidecar = p.sidecar() == null ? mode != PodMode.DIRECT : p.sidecar();
            if (mode == PodMode.DIRECT && sidecar) {
                problems.add(where + ": mode direct means no sidecar, but sidecar: true is set;"
                        + " use mode iptables or ebpf, or drop the sidecar");
            }
            if (mode != PodMode.DIRECT && !sidecar) {
                problems.add(where + ": mode " + mode.id() + " needs a sidecar, but sidecar: false is set");
            }
            Inet4Address ip = null;
            if (p.ip() != null) {
                Optional<Inet4Address> parsed = AddressPlan.parse(p.ip());
                if (parsed.isEmpty()) {
                    problems.add(where + ": ip '" + p.ip() + "' is not an IPv4 address");
                } else if (!AddressPlan.usableForPod(parsed.get())) {
                    problems.add(where + ": ip " + p.ip() + " is not a usable pod address in "
                            + AddressPlan.POD_CIDR + " (" + AddressPlan.BRIDGE.getHostAddress()
                            + " is the bridge; network and broadcast addresses are reserved)");
                } else {
                    ip = parsed.get();
                    String other = explicitIps.putIfAbsent(ip, key);
                    if (other != null) {
                        problems.add(where + ": address collision: " + p.ip() + " is already the address of " + other);
                    } else {
                        plan.claim(ip);
                    }
                }
            }
            AppSpec app = app(p.app(), where, sidecar, problems);
            if (ip == null) {
                needsIp.add(specs.size());
            }
            specs.add(new PodSpec(ns, name, p.labels() == null ? Map.of() : p.labels(), sidecar, mode, ip, app));
        }
        for (PodSpec spec : specs) {
            if (spec.app() instanceof AppSpec.Load load && specs.stream().noneMatch(s -> s.key().equals(load.target()))) {
                problems.add("pod " + spec.key() + ": load target '" + load.target()
                        + "' is not a pod of this file (write it as namespace/name)");
            }
        }
        if (!problems.isEmpty()) {
            throw new LabSpecException(origin + ": " + problems.size() + " problem(s), nothing was created:\n  - "
                    + String.join("\n  - ", problems));
        }
        for (int index : needsIp) {
            PodSpec s = specs.get(index);
            specs.set(index, new PodSpec(s.namespace(), s.name(), s.labels(), s.sidecar(), s.mode(), plan.allocate(), s.app()));
        }
        return new LabSpec(lab, specs);
    }

    private static PodMode mode(RawPod p, String where, List<String> problems) {
        if (p.mode() == null) {
            return Boolean.FALSE.equals(p.sidecar()) ? PodMode.DIRECT : PodMode.IPTABLES;
        }
        Optional<PodMode> mode = PodMode.parse(p.mode());
        if (mode.isEmpty()) {
            problems.add(where + ": unknown mode '" + p.mode() + "' (expected one of: " + PodMode.choices() + ")");
            return PodMode.DIRECT;
        }
        return mode.get();
    }

    private static AppSpec app(RawApp app, String where, boolean sidecar, List<String> problems) {
        if (app == null || app.type() == null) {
            return new AppSpec.None();
        }
        switch (app.type()) {
            case "echo" -> {
                int port = port(app.port(), where, sidecar, problems);
                return new AppSpec.Echo(port);
            }
            case "load" -> {
                int port = port(app.port(), where, false, problems);
                String target = app.target() == null ? "" : app.target().contains("/") ? app.target() : "default/" + app.target();
                int rate = positive(app.rate(), 100, "rate", where, problems);
                int payload = positive(app.payload(), 64, "payload", where, problems);
                int connections = positive(app.connections(), 1, "connections", where, problems);
                return new AppSpec.Load(target, port, rate, payload, connections);
            }
            case "command" -> {
                if (app.command() == null || app.command().isEmpty()) {
                    problems.add(where + ": app type command needs a non-empty 'command' list");
                    return new AppSpec.None();
                }
                return new AppSpec.Command(app.command());
            }
            default -> {
                problems.add(where + ": unknown app type '" + app.type() + "' (expected echo, load or command)");
                return new AppSpec.None();
            }
        }
    }

    private static int port(Integer port, String where, boolean sidecar, List<String> problems) {
        if (port == null || port < 1 || port > 65535) {
            problems.add(where + ": app port " + port + " must be in 1..65535");
            return 0;
        }
        if (sidecar && SIDECAR_PORTS.contains(port)) {
            problems.add(where + ": app port " + port + " is taken by the sidecar (15001 outbound, 15006 inbound)");
        }
        return port;
    }

    private static int positive(Integer value, int fallback, String field, String where, List<String> problems) {
        if (value == null) {
            return fallback;
        }
        if (value <= 0) {
            problems.add(where + ": app " + field + " must be positive, got " + value);
            return fallback;
        }
        return value;
    }
}
