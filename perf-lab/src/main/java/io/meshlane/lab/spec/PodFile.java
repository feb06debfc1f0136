package io.meshlane.lab.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.URI;
import java.time.Duration;
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

    record RawHop(String url, String service, String namespace, Integer port, String path) { }

    record RawApp(String type, Integer port, String target, Integer rate, Integer payload,
                  Integer connections, List<String> command, String service, String workload, List<RawHop> calls,
                  Integer delayMillis, Double errorRate, Integer slowEvery, Integer slowMillis, String path,
                  String duration) { }

    record RawPod(String namespace, String name, Map<String, String> labels, Boolean sidecar,
                  String mode, String ip, RawApp app, Boolean telemetry) { }

    record RawTelemetry(String endpoint, String protocol, String cluster, String exportInterval) { }

    record RawFile(String lab, List<RawPod> pods, RawTelemetry telemetry) { }

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
                    + location(e) + ". Expected keys: lab, telemetry.{endpoint, protocol, cluster, exportInterval},"
                    + " pods[].{namespace, name, labels, sidecar, mode, ip, app, telemetry}", e);
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
            specs.add(new PodSpec(ns, name, p.labels() == null ? Map.of() : p.labels(), sidecar, mode, ip, app,
                    p.telemetry() == null || p.telemetry()));
        }
        for (PodSpec spec : specs) {
            if (spec.app() instanceof AppSpec.Load load && specs.stream().noneMatch(s -> s.key().equals(load.target()))) {
                problems.add("pod " + spec.key() + ": load target '" + load.target()
                        + "' is not a pod of this file (write it as namespace/name)");
            }
            if (spec.app() instanceof AppSpec.HttpLoad load && Services.resolve(specs, spec.namespace(), load.target()).isEmpty()) {
                problems.add("pod " + spec.key() + ": http-load target '" + load.target()
                        + "' is neither a pod (namespace/name) nor a service of an http app of this file");
            }
            if (spec.app() instanceof AppSpec.Http http) {
                for (AppSpec.Hop hop : http.calls()) {
                    String ns = hop.namespace() == null ? spec.namespace() : hop.namespace();
                    if (hop.url() == null && Services.resolve(specs, ns, hop.service()).isEmpty()) {
                        problems.add("pod " + spec.key() + ": call to service '" + hop.service() + "' in namespace "
                                + ns + ": no http app of this file serves it");
                    }
                }
            }
        }
        Optional<TelemetrySpec> telemetry = telemetry(raw.telemetry(), problems);
        if (!problems.isEmpty()) {
            throw new LabSpecException(origin + ": " + problems.size() + " problem(s), nothing was created:\n  - "
                    + String.join("\n  - ", problems));
        }
        for (int index : needsIp) {
            PodSpec s = specs.get(index);
            specs.set(index, s.withIp(plan.allocate()));
        }
        return new LabSpec(lab, specs, telemetry);
    }

    private static Optional<TelemetrySpec> telemetry(RawTelemetry raw, List<String> problems) {
        if (raw == null) {
            return Optional.empty();
        }
        try {
            Duration interval = raw.exportInterval() == null ? Duration.ofSeconds(1) : Durations.parse(raw.exportInterval());
            return Optional.of(new TelemetrySpec(URI.create(raw.endpoint() == null ? "http://127.0.0.1:4318" : raw.endpoint()),
                    raw.protocol() == null ? TelemetrySpec.HTTP_PROTOBUF : raw.protocol(),
                    raw.cluster() == null ? TelemetrySpec.DEFAULT_CLUSTER : raw.cluster(), interval));
        } catch (IllegalArgumentException | LabSpecException e) {
            problems.add("telemetry: " + e.getMessage());
            return Optional.empty();
        }
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
            case "http" -> {
                return http(app, where, sidecar, problems);
            }
            case "http-load" -> {
                int port = port(app.port(), where, false, problems);
                if (app.target() == null) {
                    problems.add(where + ": app type http-load needs a 'target' (a service or namespace/name)");
                }
                Duration duration = Duration.ofSeconds(10);
                try {
                    duration = app.duration() == null ? duration : Durations.parse(app.duration());
                } catch (IllegalArgumentException e) {
                    problems.add(where + ": " + e.getMessage());
                }
                return new AppSpec.HttpLoad(app.target() == null ? "" : app.target(), port,
                        app.path() == null ? "/" : app.path(), positive(app.rate(), 10, "rate", where, problems), duration,
                        app.service() == null ? "loadgen" : app.service());
            }
            default -> {
                problems.add(where + ": unknown app type '" + app.type()
                        + "' (expected echo, load, command, http or http-load)");
                return new AppSpec.None();
            }
        }
    }

    private static AppSpec http(RawApp app, String where, boolean sidecar, List<String> problems) {
        int port = port(app.port(), where, sidecar, problems);
        if (app.service() == null || !DNS_LABEL.matcher(app.service()).matches()) {
            problems.add(where + ": app type http needs 'service', a DNS label, got '" + app.service() + "'");
        }
        List<AppSpec.Hop> hops = new ArrayList<>();
        List<RawHop> calls = app.calls() == null ? List.of() : app.calls();
        for (int i = 0; i < calls.size(); i++) {
            RawHop h = calls.get(i);
            String at = where + ".calls[" + i + "]";
            if (h == null || (h.url() == null) == (h.service() == null)) {
                problems.add(at + ": give either 'url' or 'service' (+ 'port')");
                continue;
            }
            if (h.url() != null) {
                try {
                    URI uri = URI.create(h.url());
                    if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
                        throw new IllegalArgumentException("not an http:// URL");
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(at + ": url '" + h.url() + "' is not an http://host[:port]/path URL");
                    continue;
                }
                hops.add(new AppSpec.Hop(h.url(), null, null, 0, null));
            } else {
                int hopPort = port(h.port(), at, false, problems);
                hops.add(new AppSpec.Hop(null, h.service(), h.namespace(), hopPort, h.path() == null ? "/" : h.path()));
            }
        }
        double errorRate = app.errorRate() == null ? 0 : app.errorRate();
        if (errorRate < 0 || errorRate > 1) {
            problems.add(where + ": errorRate must be in 0..1, got " + errorRate);
        }
        int delay = nonNegative(app.delayMillis(), "delayMillis", where, problems);
        int slowEvery = nonNegative(app.slowEvery(), "slowEvery", where, problems);
        int slowMillis = nonNegative(app.slowMillis(), "slowMillis", where, problems);
        // an invalid service is already reported; keep the spec well-formed for the remaining checks
        String service = app.service() == null ? "" : app.service();
        return new AppSpec.Http(service, app.workload(), port, hops, delay, errorRate, slowEvery, slowMillis);
    }

    private static int nonNegative(Integer value, String field, String where, List<String> problems) {
        if (value != null && value < 0) {
            problems.add(where + ": app " + field + " must not be negative, got " + value);
            return 0;
        }
        return value == null ? 0 : value;
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
