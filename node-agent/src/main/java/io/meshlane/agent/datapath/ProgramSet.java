package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.AttachType;
import io.meshlane.agent.bpf.BpfInventory;
import io.meshlane.agent.bpf.BpfLink;
import io.meshlane.agent.bpf.BpfMap;
import io.meshlane.agent.bpf.BpfObject;
import io.meshlane.agent.bpf.BpfProgram;
import io.meshlane.agent.bpf.Cgroup;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * meshlane.bpf.o as one unit, in the manner of a libbpf skeleton: install (open, load,
 * attach, pin), adopt what an earlier agent pinned, and uninstall every trace.
 *
 * Pin layout under {@link DatapathConfig#pinDir()}: {@code maps/<map>}, {@code links/<program>}
 * for the cgroup hooks, {@code progs/ml_sk_msg} (attached to the sockhash, which holds it),
 * {@code progs/ml_tc_inbound} and its per-pod TCX links {@code links/tc/<namespace>_<pod>}.
 */
final class ProgramSet {

    static final String OBJECT_RESOURCE = "/bpf/meshlane.bpf.o";
    static final List<String> CGROUP_PROGRAMS = List.of("ml_connect4", "ml_connect6", "ml_getsockopt", "ml_sockops");
    static final String SK_MSG_PROGRAM = "ml_sk_msg";
    /** Pinned unattached: each meshed pod's interface gets its own attachment (InboundCapture). */
    static final String TC_PROGRAM = InboundCapture.PROGRAM;
    static final MapName SOCK_HASH = MapName.ML_SOCK_HASH;

    private ProgramSet() {
    }

    static boolean installed(Path pinDir) {
        return CGROUP_PROGRAMS.stream().allMatch(p -> Files.exists(linkPin(pinDir, p)))
                && Arrays.stream(MapName.values()).allMatch(m -> Files.exists(mapPin(pinDir, m)))
                && Files.exists(progPin(pinDir, SK_MSG_PROGRAM)) && Files.exists(progPin(pinDir, TC_PROGRAM));
    }

    /** Loads the programs, attaches them under {@code cgroupRoot} and pins everything. */
    static void install(Path pinDir, Path cgroupRoot, int sockhashEntries) {
        createDirectories(pinDir.resolve("maps"));
        createDirectories(pinDir.resolve("links"));
        createDirectories(pinDir.resolve("progs"));
        try (BpfObject object = BpfObject.open("meshlane.bpf.o", objectBytes()).maxEntries(SOCK_HASH.cName(), sockhashEntries).load();
             Cgroup cgroup = Cgroup.open(cgroupRoot)) {
            for (MapName map : MapName.values()) {
                object.map(map.cName()).pin(mapPin(pinDir, map));
            }
            BpfProgram skMsg = object.program(SK_MSG_PROGRAM);
            skMsg.attachToMap(object.map(SOCK_HASH.cName()), AttachType.SK_MSG_VERDICT);
            skMsg.pin(progPin(pinDir, SK_MSG_PROGRAM));
            object.program(TC_PROGRAM).pin(progPin(pinDir, TC_PROGRAM));
            for (String name : CGROUP_PROGRAMS) {
                try (BpfLink link = object.program(name).attachCgroup(cgroup)) {
                    link.pin(linkPin(pinDir, name));
                }
            }
        } catch (RuntimeException e) {
            uninstall(pinDir);
            throw e;
        }
    }

    /** Program ids behind the pinned links (and the sk_msg program), by program name. */
    static Map<String, Integer> programIds(Path pinDir) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (String name : CGROUP_PROGRAMS) {
            ids.put(name, BpfInventory.programIdOfPinnedLink(linkPin(pinDir, name)));
        }
        return ids;
    }

    /** Opens every pinned map; the caller closes them. */
    static Map<MapName, BpfMap> openMaps(Path pinDir) {
        Map<MapName, BpfMap> maps = new EnumMap<>(MapName.class);
        try {
            for (MapName map : MapName.values()) {
                maps.put(map, BpfMap.openPinned(map.cName(), mapPin(pinDir, map)));
            }
            return maps;
        } catch (RuntimeException e) {
            maps.values().forEach(BpfMap::close);
            throw e;
        }
    }

    /** Detaches every program meshlane attached for this node and removes every pin. Idempotent. */
    static void uninstall(Path pinDir) {
        for (String name : CGROUP_PROGRAMS) {
            Path pin = linkPin(pinDir, name);
            if (Files.exists(pin)) {
                BpfLink.detachPinned(pin);
            }
        }
        Path skMsg = progPin(pinDir, SK_MSG_PROGRAM);
        Path sockHash = mapPin(pinDir, SOCK_HASH);
        if (Files.exists(skMsg) && Files.exists(sockHash)) {
            try (BpfMap map = BpfMap.openPinned(SOCK_HASH.cName(), sockHash)) {
                map.detachPinnedProgram(skMsg, AttachType.SK_MSG_VERDICT);
            }
        }
        deleteTree(pinDir);
        Path parent = pinDir.getParent();
        try (Stream<Path> left = Files.exists(parent) ? Files.list(parent) : Stream.empty()) {
            if (Files.exists(parent) && left.findAny().isEmpty()) {
                Files.delete(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing " + parent, e);
        }
    }

    private static byte[] objectBytes() {
        try (InputStream in = ProgramSet.class.getResourceAsStream(OBJECT_RESOURCE)) {
            if (in == null) {
                throw new DatapathException("the BPF object " + OBJECT_RESOURCE + " is not on the classpath: "
                        + "build the bpf-programs module (./meshlane build)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + OBJECT_RESOURCE, e);
        }
    }

    static Path mapPin(Path pinDir, MapName map) {
        return pinDir.resolve("maps").resolve(map.cName());
    }

    static Path linkPin(Path pinDir, String program) {
        return pinDir.resolve("links").resolve(program);
    }

    static Path progPin(Path pinDir, String program) {
        return pinDir.resolve("progs").resolve(program);
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("creating " + dir, e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing pins under " + root, e);
        }
    }
}
