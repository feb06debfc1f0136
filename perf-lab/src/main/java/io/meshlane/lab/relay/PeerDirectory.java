package io.meshlane.lab.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pod address → workload, loaded once at start from the lab's peer table (lines of
 * {@code ip namespace workload service}, tab-separated). Looked up once per connection.
 */
public final class PeerDirectory {
    private final Map<String, PeerWorkload> byAddress;

    public PeerDirectory(Map<String, PeerWorkload> byAddress) {
        this.byAddress = Map.copyOf(byAddress);
    }

    public static PeerDirectory read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the peer table " + file + ": " + e.getMessage()
                    + " (the lab writes it at `lab up` when telemetry is on)", e);
        }
        Map<String, PeerWorkload> map = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != 4) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected 4 tab-separated fields"
                        + " (ip namespace workload service), got '" + line + "'");
            }
            map.put(f[0], new PeerWorkload(f[1], f[2], f[3]));
        }
        return new PeerDirectory(map);
    }

    public PeerWorkload lookup(InetAddress address) {
        return address == null ? PeerWorkload.UNKNOWN : byAddress.getOrDefault(address.getHostAddress(), PeerWorkload.UNKNOWN);
    }
}
