package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.BpfLink;
import io.meshlane.agent.bpf.TcIngress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Inbound capture without iptables: ml_tc_inbound on each meshed pod's own interface, in the
 * pod's network namespace (see tc_inbound.bpf.c for why that side). A TCX link is pinned at
 * {@code links/tc/<namespace>_<pod>}; where the kernel has no TCX a clsact filter is used. Each
 * attachment is also recorded under the state directory ({@code inbound/<namespace>_<pod>}:
 * kind, netns, interface) so uninstall finds clsact filters, which have no pin.
 */
final class InboundCapture {

    static final String PROGRAM = "ml_tc_inbound";

    /** Where one pod's capture is attached. */
    record Attachment(TcIngress.Kind kind, Path netns, String ifname) {
        String line() {
            return kind + "\t" + netns + "\t" + ifname;
        }

        static Attachment parse(String line) {
            String[] f = line.strip().split("\t");
            return new Attachment(TcIngress.Kind.valueOf(f[0]), Path.of(f[1]), f[2]);
        }
    }

    private final Path pinDir;
    private final Path recordDir;
    private final boolean tcx;

    InboundCapture(DatapathConfig config) {
        this.pinDir = config.pinDir();
        this.recordDir = config.stateDir().resolve("inbound");
        this.tcx = !config.forcedMissing().contains(Feature.TCX) && KernelVersion.running().atLeast(6, 6);
    }

    /** Attaches (or re-attaches) the pod's capture; returns how. */
    TcIngress.Kind attach(String podKey, Path netns, String ifname) {
        detach(podKey);
        Path program = ProgramSet.progPin(pinDir, PROGRAM);
        TcIngress.Kind kind = tcx ? TcIngress.Kind.TCX : TcIngress.Kind.CLSACT;
        // recorded first, so that a crash mid-attach still leaves uninstall a trace to follow
        write(podKey, new Attachment(kind, netns, ifname));
        try {
            if (tcx) {
                createDirectories(linkPin(podKey).getParent());
                TcIngress.attachTcx(program, netns, ifname, linkPin(podKey));
            } else {
                TcIngress.attachClsact(program, netns, ifname);
            }
        } catch (RuntimeException e) {
            delete(record(podKey));
            throw new DatapathException("capturing inbound traffic of pod " + podKey + " on " + ifname + " in " + netns
                    + " failed: " + e.getMessage(), e);
        }
        return kind;
    }

    Optional<Attachment> attachment(String podKey) {
        Path record = record(podKey);
        if (!Files.exists(record)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Attachment.parse(Files.readString(record)));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + record, e);
        }
    }

    /** Removes the pod's capture, if any; its accepted connections stay with the sidecar. */
    void detach(String podKey) {
        Optional<Attachment> attachment = attachment(podKey);
        Path pin = linkPin(podKey);
        if (Files.exists(pin)) {
            BpfLink.detachPinned(pin);
            delete(pin);
        }
        attachment.filter(a -> a.kind() == TcIngress.Kind.CLSACT).ifPresent(a -> TcIngress.detachClsact(a.netns(), a.ifname()));
        delete(record(podKey));
    }

    /** Removes every pod's capture (uninstall). */
    void detachAll() {
        for (String key : recorded()) {
            detach(key);
        }
    }

    private List<String> recorded() {
        if (!Files.isDirectory(recordDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(recordDir)) {
            return files.map(p -> p.getFileName().toString().replaceFirst("_", "/").replace('+', '.')).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + recordDir, e);
        }
    }

    private void write(String podKey, Attachment attachment) {
        try {
            Files.createDirectories(recordDir);
            Files.writeString(record(podKey), attachment.line() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("recording the inbound capture of " + podKey, e);
        }
    }

    /**
     * bpffs refuses '.' in names (EPERM): namespace_name with the name's dots as '+'. Neither
     * '_' nor '+' can occur in Kubernetes names, so the file name maps back to the key.
     */
    private static String fileName(String podKey) {
        return podKey.replace('/', '_').replace('.', '+');
    }

    private Path record(String podKey) {
        return recordDir.resolve(fileName(podKey));
    }

    Path linkPin(String podKey) {
        return pinDir.resolve("links").resolve("tc").resolve(fileName(podKey));
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("creating " + dir, e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("removing " + file, e);
        }
    }
}
