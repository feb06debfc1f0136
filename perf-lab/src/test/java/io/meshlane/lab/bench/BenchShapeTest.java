package io.meshlane.lab.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.lab.cli.BenchCommand;
import io.meshlane.lab.node.LabAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short low-rate bench over both paths (client next to the server, and client on lab node 2)
 * yields the JSON shape of issues 3 and 18 and a report; shape only, not timings.
 */
class BenchShapeTest {
    private static final List<String> KEYS = List.of("mode", "path", "payload", "rate", "connections", "requests", "errors",
            "p50_us", "p90_us", "p99_us", "p999_us", "max_rps", "cpu_ms_per_1k");

    @Test
    void shortBenchWritesWellFormedJsonAndReport(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out/bench.json");
        Path report = dir.resolve("report");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new BenchCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(
                "--lab", "tbench", "--modes", "direct,iptables,ebpf", "--rate", "200", "--duration", "1s",
                "--warmup", "500ms", "--max-duration", "500ms", "--payloads", "64,1024", "--connections", "2",
                "--rounds", "1", "--paths", "same-node,cross-node", "--json", json.toString(), "--report", report.toString(),
                "--saturation", "--start-rate", "200", "--max-rate", "300", "--step-duration", "500ms", "--p99-budget", "200ms");
        assertEquals(0, rc, "bench failed:\n" + out + "\n" + err);

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(List.of("runs", "saturation", "saturation_curve", "round_spread", "machine", "mesh_added_ratios", "scheduler"),
                iterate(root.fieldNames()));
        JsonNode saturation = root.get("saturation");
        assertEquals(12, saturation.size(), "one sustained rate per mode, path and payload: " + saturation);
        for (JsonNode s : saturation) {
            assertEquals(List.of("mode", "path", "payload", "sustained_rps", "p99_budget_us"), iterate(s.fieldNames()));
            assertEquals(200_000, s.get("p99_budget_us").asLong());
            assertEquals(300, s.get("sustained_rps").asInt(), "200 and 300 req/s hold a 200 ms budget: " + root.get("saturation_curve"));
        }
        assertEquals(24, root.get("saturation_curve").size(), "two steps per mode, path and payload");
        assertEquals(1, root.get("round_spread").get(0).get("rounds").asInt());
        assertTrue(root.get("machine").get("load_average_start").size() == 3 && root.get("machine").has("steal_pct"), root.toString());
        assertTrue(root.get("scheduler").get(0).get("voluntary_switches_per_req").asDouble() > 0, root.get("scheduler").toString());
        assertEquals(4, root.get("mesh_added_ratios").size(), "one ratio row per path and payload: " + root.get("mesh_added_ratios"));
        JsonNode runs = root.get("runs");
        assertEquals(12, runs.size(), "one entry per mode, path and payload");
        Set<String> seen = new HashSet<>();
        for (JsonNode run : runs) {
            assertEquals(KEYS, iterate(run.fieldNames()), "keys and their order");
            assertTrue(run.get("mode").isTextual());
            for (String k : KEYS.subList(2, KEYS.size())) {
                assertTrue(run.get(k).isNumber(), k + " is a number in " + run);
            }
            assertEquals(200, run.get("rate").asInt());
            assertEquals(2, run.get("connections").asInt());
            assertEquals(0, run.get("errors").asLong());
            assertEquals(200, run.get("requests").asLong(), "1 s at 200 req/s, every response intact");
            assertTrue(run.get("p50_us").asDouble() > 0 && run.get("p50_us").asDouble() <= run.get("p99_us").asDouble());
            assertTrue(run.get("max_rps").asDouble() > 0);
            assertTrue(run.get("cpu_ms_per_1k").asDouble() > 0);
            seen.add(run.get("path").asText() + "/" + run.get("mode").asText() + "/" + run.get("payload").asInt());
        }
        Set<String> expected = new HashSet<>();
        for (String path : List.of("same-node", "cross-node")) {
            for (String mode : List.of("direct", "iptables", "ebpf")) {
                expected.addAll(List.of(path + "/" + mode + "/64", path + "/" + mode + "/1024"));
            }
        }
        assertEquals(expected, seen, "every mode measured on both paths");

        String md = Files.readString(report.resolve("report.md"));
        assertTrue(md.contains("| mode | path | payload | requests | errors | p50 µs |"), md);
        assertTrue(md.contains("| ebpf | same-node | 1024 |"), md);
        assertTrue(md.contains("ebpf / iptables"), md);
        assertTrue(md.contains("![latency percentiles](latency.png)"), md);
        assertTrue(md.contains("## Spread across rounds") && md.contains("## How quiet the machine was"), md);
        assertTrue(md.contains("| same-node | 64 | ebpf | 300 | 1.00 |"), md);
        String svg = Files.readString(report.resolve("saturation.svg"));
        javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new org.xml.sax.InputSource(new java.io.StringReader(svg))); // well-formed
        assertTrue(svg.contains("<polyline") && svg.contains("p99 budget 200000 µs"), svg);
        assertTrue(md.contains("| msg_redirected |"), "the ebpf rounds were short-circuited by sk_msg:\n" + md);
        // same-node sidecars connect straight to 15006; only connections arriving over the wire from node 2 are sk_assigned
        assertTrue(md.contains("| inbound_assigned |"), "the cross-node ebpf client came in through node 1's tc capture:\n" + md);
        assertTrue(md.contains("| cross-node | 64 | ebpf |"), md);
        BufferedImage png = ImageIO.read(report.resolve("latency.png").toFile());
        assertNotNull(png, "latency.png is a PNG");
        assertTrue(png.getWidth() >= 1000 && png.getHeight() >= 300, png.getWidth() + "x" + png.getHeight());
        LabAssertions.assertNothingLeft("tbench", List.of());
    }

    @Test
    void badOptionsAreRejected() {
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new BenchCommand()).setErr(new PrintWriter(err)).execute("--modes", "direct,warp");
        assertEquals(2, rc);
        assertTrue(err.toString().contains("unknown mode 'warp'"), err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, new CommandLine(new BenchCommand()).setErr(new PrintWriter(err2)).execute("--paths", "same-node,moon"));
        assertTrue(err2.toString().contains("unknown path 'moon' (expected same-node, cross-node)"), err2.toString());
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
