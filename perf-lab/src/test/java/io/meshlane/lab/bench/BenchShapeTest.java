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

/** A short low-rate bench yields the JSON shape of issue 3 and a report; shape only, not timings. */
class BenchShapeTest {
    private static final List<String> KEYS = List.of("mode", "payload", "rate", "connections", "requests", "errors",
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
                "--rounds", "1", "--json", json.toString(), "--report", report.toString());
        assertEquals(0, rc, "bench failed:\n" + out + "\n" + err);

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(List.of("runs"), iterate(root.fieldNames()));
        JsonNode runs = root.get("runs");
        assertEquals(6, runs.size(), "one entry per mode and payload");
        Set<String> seen = new HashSet<>();
        for (JsonNode run : runs) {
            assertEquals(KEYS, iterate(run.fieldNames()), "keys and their order");
            assertTrue(run.get("mode").isTextual());
            for (String k : KEYS.subList(1, KEYS.size())) {
                assertTrue(run.get(k).isNumber(), k + " is a number in " + run);
            }
            assertEquals(200, run.get("rate").asInt());
            assertEquals(2, run.get("connections").asInt());
            assertEquals(0, run.get("errors").asLong());
            assertEquals(200, run.get("requests").asLong(), "1 s at 200 req/s, every response intact");
            assertTrue(run.get("p50_us").asDouble() > 0 && run.get("p50_us").asDouble() <= run.get("p99_us").asDouble());
            assertTrue(run.get("max_rps").asDouble() > 0);
            assertTrue(run.get("cpu_ms_per_1k").asDouble() > 0);
            seen.add(run.get("mode").asText() + "/" + run.get("payload").asInt());
        }
        assertEquals(Set.of("direct/64", "direct/1024", "iptables/64", "iptables/1024", "ebpf/64", "ebpf/1024"), seen);

        String md = Files.readString(report.resolve("report.md"));
        assertTrue(md.contains("| mode | payload | requests | errors | p50 µs |"), md);
        assertTrue(md.contains("| ebpf | 1024 |"), md);
        assertTrue(md.contains("ebpf / iptables"), md);
        assertTrue(md.contains("![latency percentiles](latency.png)"), md);
        assertTrue(md.contains("| msg_redirected |"), "the ebpf rounds were short-circuited by sk_msg:\n" + md);
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
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
