package io.meshlane.control.telemetry.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextParserTest {

    @Test
    void readsTypesLabelsEscapesSpecialValuesAndTimestamps() {
        String text = """
                # HELP istio_requests_total Total requests.
                # TYPE istio_requests_total counter
                istio_requests_total{reporter="destination",source_workload="productpage-v1",response_code="200",} 1027 1395066363000
                # a plain comment
                envoy_server_uptime 42
                weird{path="C:\\\\dir \\"quoted\\"\\nnext", empty=""}   +Inf
                nan_gauge NaN
                neg -Inf
                	spaced_metric  { a = "1" }  3.5e2
                """;

        Exposition e = PrometheusTextParser.parse(text);

        assertEquals(0, e.badLines(), e.firstError());
        assertEquals("counter", e.types().get("istio_requests_total"));
        assertEquals(6, e.samples().size());
        Exposition.Sample r = e.samples().get(0);
        assertEquals("istio_requests_total", r.name());
        assertEquals(Map.of("reporter", "destination", "source_workload", "productpage-v1", "response_code", "200"), r.labels());
        assertEquals(1027, r.value());
        assertEquals(1395066363000L, r.timestampMillis());
        assertEquals(0, e.samples().get(1).timestampMillis());
        assertEquals("C:\\dir \"quoted\"\nnext", e.samples().get(2).labels().get("path"));
        assertEquals("", e.samples().get(2).labels().get("empty"));
        assertEquals(Double.POSITIVE_INFINITY, e.samples().get(2).value());
        assertTrue(Double.isNaN(e.samples().get(3).value()));
        assertEquals(Double.NEGATIVE_INFINITY, e.samples().get(4).value());
        assertEquals(350, e.samples().get(5).value());
        assertEquals("1", e.samples().get(5).labels().get("a"));
    }

    @Test
    void badLinesAreSkippedCountedAndTheFirstIsNamed() {
        String text = """
                good 1
                no_value{a="b"}
                unterminated{a="b} 3
                bad_number 12abc
                9starts_with_digit 1
                trailing 1 2 3
                good_too 2
                """;

        Exposition e = PrometheusTextParser.parse(text);

        assertEquals(2, e.samples().size());
        assertEquals(5, e.badLines());
        assertTrue(e.firstError().startsWith("line 2: sample no_value has no value"), e.firstError());
    }
}
