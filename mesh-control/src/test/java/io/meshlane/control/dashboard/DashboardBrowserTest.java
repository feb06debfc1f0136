package io.meshlane.control.dashboard;

import io.meshlane.control.testing.FreePorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.telemetry.federation.FederationPeer;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.MockMemberCluster;
import io.meshlane.control.testing.TempDirs;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in Debian's headless Chromium against a real control plane fed over OTLP/HTTP:
 * the graph shows the chain's services and calls, the top-N table and the latency chart render,
 * a slow failing trace is found and opens as a waterfall of its spans, and the namespace switch
 * writes the AccelerationPolicy that kubectl sees. Access logs fed over OTLP/HTTP are found by text
 * and severity and lead to their trace's waterfall and back; the health panel shows the memory budget,
 * the counts the receivers took and a federation peer that is down, which the header strip names too.
 * Screenshots go to target/dashboard-*.png.
 */
class DashboardBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String CLUSTER = "c1";
    static final ObjectMapper JSON = new ObjectMapper();
    static final long BUDGET = 64L * 1024 * 1024;

    static String id(String service) {
        return CLUSTER + "/" + BookinfoTraces.NAMESPACE + "/" + service;
    }

    @Test
    void showsTheMeshAndSwitchesAcceleration() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("the dashboard's browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "): run `./meshlane test`, which installs them");
        }
        Path dataDir = Files.createTempDirectory("meshlane-dashboard");
        Path goneDir = Files.createTempDirectory("meshlane-dashboard-gone-peer");
        // a federation peer that has stopped: its kubeconfig is real, nothing listens behind it any more
        Path goneConfig;
        try (ControlPlane gone = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(goneDir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster("gone").withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF)))) {
            goneConfig = gone.kubeconfig();
        }
        String gonePeer = FederationPeer.fromKubeconfig(goneConfig).name();
        int otlpPort = FreePorts.pick();
        ControlPlane plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster(CLUSTER).withPorts(TelemetryOptions.OFF, otlpPort)
                        .withBudget(BUDGET, 20_000).withPeers(List.of(goneConfig))
                        // this test is about the dashboard: its bookinfo data arrives as the lab's does, plaintext on loopback
                        .withOtlpInsecureLoopback(true)));
        WebDriver driver = null;
        MockMemberCluster member = null;
        try {
            ApiClient api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
            HttpResponse<String> ns = api.send("POST", "/api/v1/namespaces", "application/json",
                    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"bookinfo\"}}".getBytes(StandardCharsets.UTF_8));
            assertEquals(201, ns.statusCode(), ns.body());

            BookinfoTraces traces = new BookinfoTraces();
            List<String> fast = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                fast.add(traces.request(2_000L * i + 500, 20 + (i % 5), false));
            }
            String slow = traces.request(1_000, 900, true);
            traces.send("http://127.0.0.1:" + otlpPort, plane.token());
            BookinfoTcp.send("http://127.0.0.1:" + otlpPort, plane.token(), CLUSTER, 3, 1, 120_000, 30_000);

            BookinfoLogs logs = new BookinfoLogs();
            for (int i = 0; i < 5; i++) {
                logs.record("productpage", 2_000L * i + 500, SeverityNumber.SEVERITY_NUMBER_INFO, "GET /productpage 200 " + (50 + i) + "ms", fast.get(i));
            }
            logs.record("ratings", 1_010, SeverityNumber.SEVERITY_NUMBER_ERROR, "GET /ratings 500 upstream connect error: db timeout", slow);
            logs.record("reviews", 1_005, SeverityNumber.SEVERITY_NUMBER_WARN, "GET /reviews 500 upstream ratings failed", slow);
            logs.record("productpage", 1_000, SeverityNumber.SEVERITY_NUMBER_INFO, "GET /productpage 500 930ms", slow);
            logs.record("ratings", 30_000, SeverityNumber.SEVERITY_NUMBER_INFO, "ratings cache warmed", "");
            logs.send("http://127.0.0.1:" + otlpPort, plane.token());

            // a MetricAutoscaler on reviews against a fabric8-mock member (no kube-apiserver runs here), and two lanes:
            // team-a with the status the control plane derives, team-b with only the services its spec names
            member = MockMemberCluster.start("bookinfo", 1, "reviews");
            create(api, "/apis/meshlane.io/v1alpha1/memberclustercredentials", JSON.createObjectNode().put("apiVersion", "meshlane.io/v1alpha1")
                    .put("kind", "MemberClusterCredential").set("metadata", JSON.createObjectNode().put("name", "lab")), "kubeconfig",
                    member.kubeconfig("lab", "member-token"));
            create(api, "/apis/meshlane.io/v1alpha1/namespaces/bookinfo/metricautoscalers", JSON.readTree("""
                    {"apiVersion": "meshlane.io/v1alpha1", "kind": "MetricAutoscaler", "metadata": {"name": "reviews"},
                     "spec": {"scaleTargetRef": {"cluster": "lab", "kind": "Deployment", "name": "reviews"}, "maxReplicas": 5,
                              "windowSeconds": 300, "intervalSeconds": 1,
                              "metrics": [{"type": "Service", "service": {"name": "reviews", "metric": "RequestRate"},
                                           "target": {"type": "AverageValue", "averageValue": "50m"}}]}}"""));
            JsonNode teamA = create(api, "/apis/meshlane.io/v1alpha1/namespaces/bookinfo/testlanes", JSON.readTree("""
                    {"apiVersion": "meshlane.io/v1alpha1", "kind": "TestLane", "metadata": {"name": "team-a"}, "spec": {}}"""));
            ((com.fasterxml.jackson.databind.node.ObjectNode) teamA).set("status", JSON.readTree("{\"services\": [\"reviews\"], \"requestsPerSecond\": 2.5}"));
            HttpResponse<String> laneStatus = api.send("PUT", "/apis/meshlane.io/v1alpha1/namespaces/bookinfo/testlanes/team-a/status",
                    "application/json", JSON.writeValueAsBytes(teamA));
            assertEquals(200, laneStatus.statusCode(), laneStatus.body());
            create(api, "/apis/meshlane.io/v1alpha1/namespaces/bookinfo/testlanes", JSON.readTree("""
                    {"apiVersion": "meshlane.io/v1alpha1", "kind": "TestLane", "metadata": {"name": "team-b"},
                     "spec": {"services": ["ratings"]}}"""));

            driver = chrome(dataDir);
            WebDriverWait wait = new WebDriverWait(driver, WAIT);
            driver.get(plane.dashboardUrl());
            wait.until(ExpectedConditions.urlToBe(plane.url() + "/dashboard/"));

            // the graph: a node per service of the chain, an edge per call
            for (String service : BookinfoTraces.CHAIN) {
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("svg#topology g.node[data-id='" + id(service) + "']")));
            }
            for (int hop = 0; hop + 1 < BookinfoTraces.CHAIN.size(); hop++) {
                String edge = id(BookinfoTraces.CHAIN.get(hop)) + "->" + id(BookinfoTraces.CHAIN.get(hop + 1));
                WebElement e = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("svg#topology g.edge[data-id='" + edge + "']")));
                assertTrue(Double.parseDouble(e.getDomAttribute("data-rps")) > 0, edge + " carries no rate");
                assertTrue(e.getText().contains("p99") || e.findElement(By.cssSelector("text.edge-label")).getText().contains("p99"), edge);
            }
            // a plain TCP call has no requests: its edge says bytes/s and connections, not "0.0/s · p99 –"
            String tcpEdge = id(BookinfoTcp.SOURCE) + "->" + id(BookinfoTcp.DESTINATION);
            WebElement tcp = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("svg#topology g.edge[data-id='" + tcpEdge + "']")));
            assertEquals("tcp", tcp.getDomAttribute("data-protocol"));
            String tcpLabel = tcp.findElement(By.cssSelector("text.edge-label")).getText();
            assertTrue(tcpLabel.matches("\\d+ B/s · 3 conn"), "150,000 bytes in the 5 minute window, 3 connections opened: " + tcpLabel);
            assertEquals(BookinfoTraces.CHAIN.size(), driver.findElements(By.cssSelector("svg#topology g.edge")).size(),
                    "exactly the chain's calls and the TCP call are edges");

            // top-N: the slowest service by p99 is the one whose server span covers the slow request
            WebElement slowest = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#top-latency tbody tr")));
            assertEquals(id("productpage"), slowest.getDomAttribute("data-id"), slowest.getText());
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#top-errors tbody tr[data-id='" + id("ratings") + "']")));

            // latency chart of a service chosen in the graph
            driver.findElement(By.cssSelector("svg#topology g.node[data-id='" + id("reviews") + "']")).click();
            wait.until(d -> id("reviews").equals(d.findElement(By.id("latency-chart")).getDomAttribute("data-service"))
                    && Integer.parseInt(d.findElement(By.id("latency-chart")).getDomAttribute("data-points")) > 0);
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#latency-chart .uplot canvas")));
            assertEquals("true", driver.findElement(By.cssSelector("g.node[data-id='" + id("reviews") + "']")).getDomAttribute("aria-pressed"));
            screenshot(driver, "overview");
            wait.ignoring(StaleElementReferenceException.class);

            // autoscaling: replicas plotted against the request rate; the card's replicas are what the member was scaled to
            By card = By.cssSelector("#autoscalers article[data-autoscaler='bookinfo/reviews']");
            MockMemberCluster lab = member;
            wait.until(d -> !lab.written("reviews").isEmpty()
                    && Integer.parseInt(d.findElement(card).findElement(By.cssSelector(".chart")).getDomAttribute("data-points")) >= 2
                    && String.valueOf(lab.replicas("reviews")).equals(d.findElement(card).findElement(By.cssSelector(".replicas")).getText()));
            assertTrue(member.replicas("reviews") > 1, "41 requests in 300 s against 0.05/s per replica scale reviews up: " + member.written("reviews"));
            assertFalse(driver.findElements(By.cssSelector("#autoscalers article[data-autoscaler='bookinfo/reviews'] .uplot canvas")).isEmpty());
            String targets = driver.findElement(card).findElement(By.cssSelector(".targets")).getText();
            assertTrue(targets.endsWith("/50m (avg)"), targets);
            // and the lanes: the services each covers and its traffic
            WebElement laneA = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#lanes tr[data-id='bookinfo/team-a']")));
            assertEquals("reviews", laneA.findElement(By.cssSelector(".lane-services [data-service]")).getText());
            assertEquals("2.5/s", laneA.findElement(By.cssSelector(".lane-rate")).getText());
            WebElement laneB = driver.findElement(By.cssSelector("#lanes tr[data-id='bookinfo/team-b']"));
            assertEquals("ratings", laneB.findElement(By.cssSelector(".lane-services [data-service]")).getText());
            assertEquals("–", laneB.findElement(By.cssSelector(".lane-rate")).getText(), "no traffic derived for team-b yet");
            scrollTo(driver, "autoscaling-title");
            screenshot(driver, "autoscaling");

            // the header names the peer that the merged answers are missing
            WebElement strip = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("peer-warning")));
            wait.until(d -> d.findElement(By.cssSelector("#peer-warning [data-peer='" + gonePeer + "']")).getText().length() > gonePeer.length() + 2);
            assertTrue(strip.getText().contains(gonePeer), "the strip names the dead peer: " + strip.getText());

            // access logs: a text search finds the two failing hops' records, newest first
            assertFalse(driver.findElement(By.id("waterfall")).isDisplayed(), "no trace open yet");
            driver.findElement(By.id("log-text")).sendKeys("UPSTREAM");
            driver.findElement(By.cssSelector("#log-search button[type=submit]")).click();
            List<String> upstream = logRows(wait, 2);
            assertTrue(upstream.get(0).contains("reviews") && upstream.get(0).contains("upstream ratings failed"), upstream.toString());
            assertTrue(upstream.get(1).contains("ratings") && upstream.get(1).contains("db timeout"), upstream.toString());
            assertTrue(upstream.get(1).contains("ERROR") && upstream.get(0).contains("WARN"), "severity shown: " + upstream);

            // a log row's trace id opens that request's waterfall
            driver.findElement(By.cssSelector("#log-table tbody tr:nth-child(2) button.trace-link[data-trace-id='" + slow + "']")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#waterfall [data-trace-id='" + slow + "']")));
            assertEquals(traces.spansPerTrace(), driver.findElements(By.cssSelector("#waterfall .span[data-span-id]")).size());

            // and the waterfall's "logs of this trace" fills the search with its id: the three hops' records, nothing else
            driver.findElement(By.id("trace-logs")).click();
            List<String> ofTrace = logRows(wait, 3);
            assertEquals(slow, driver.findElement(By.id("log-trace")).getDomProperty("value"));
            assertEquals("", driver.findElement(By.id("log-text")).getDomProperty("value"), "the text filter was cleared");
            assertEquals(3, driver.findElements(By.cssSelector("#log-table button.trace-link[data-trace-id='" + slow + "']")).size(), ofTrace.toString());
            assertTrue(ofTrace.get(0).contains("GET /productpage 500 930ms"), "newest first: " + ofTrace);
            scrollTo(driver, "log-search");
            screenshot(driver, "logs");

            // severity alone: the one ERROR record
            driver.findElement(By.id("log-trace")).clear();
            new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("log-severity"))).selectByValue("ERROR");
            driver.findElement(By.cssSelector("#log-search button[type=submit]")).click();
            List<String> errors = logRows(wait, 1);
            assertTrue(errors.get(0).contains("db timeout"), errors.toString());

            // the health panel: the budget it was given and exactly what the receivers took. Auto-refresh is
            // turned off and one manual refresh awaited, so the panel holds still while it is read.
            driver.findElement(By.id("auto-refresh")).click();
            int refreshes = Integer.parseInt(driver.findElement(By.tagName("body")).getDomAttribute("data-refreshed"));
            driver.findElement(By.id("refresh-now")).click();
            wait.until(d -> Integer.parseInt(d.findElement(By.tagName("body")).getDomAttribute("data-refreshed")) > refreshes);
            int spansSent = 41 * traces.spansPerTrace();
            wait.until(d -> counter(d, "spansAccepted") == spansSent && counter(d, "logsAccepted") == logs.recorded());
            assertEquals(0, counter(driver, "spansRejected"));
            assertEquals(0, counter(driver, "logsRejected"));
            assertEquals(0, counter(driver, "malformedRequests"));
            WebElement total = driver.findElement(By.id("memory-total"));
            assertEquals(String.valueOf(BUDGET), total.getDomAttribute("data-budget"));
            assertTrue(total.getText().contains("64.0 MiB"), "the budget as a person reads it: " + total.getText());
            long traceBytes = Long.parseLong(driver.findElement(By.cssSelector(".memory-row[data-kind='traces']")).getDomAttribute("data-used"));
            assertTrue(traceBytes > 0, "the stored spans take memory");
            assertEquals(0, counter(driver, "capped"), "nothing folded: " + driver.findElement(By.id("health")).getDomProperty("innerHTML"));
            assertTrue(driver.findElements(By.id("overflow-help")).isEmpty(), "nothing folded, so no advice about the cap");
            WebElement peer = driver.findElement(By.cssSelector("#peers-table tr[data-id='" + gonePeer + "']"));
            assertTrue(peer.getText().contains("unreachable"), peer.getText());
            assertTrue(driver.findElement(By.id("health")).getText().contains("None configured (--otlp-forward, --remote-write)"),
                    "no exporter was configured, and the panel says how to add one");
            scrollTo(driver, "health-title");
            screenshot(driver, "health");

            // trace search: the slow failing request, and only it, opens as a waterfall
            WebElement service = driver.findElement(By.id("trace-service"));
            service.clear();
            service.sendKeys("ratings");
            WebElement min = driver.findElement(By.id("trace-min"));
            min.clear();
            min.sendKeys("500");
            driver.findElement(By.id("trace-errors")).click();
            driver.findElement(By.cssSelector("#trace-search button[type=submit]")).click();
            WebElement row = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#trace-table tbody tr[data-id='" + slow + "']")));
            assertEquals(1, driver.findElements(By.cssSelector("#trace-table tbody tr")).size(), "only the slow failing trace matches");
            row.click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#waterfall [data-trace-id='" + slow + "']")));
            List<WebElement> spans = driver.findElements(By.cssSelector("#waterfall .span[data-span-id]"));
            assertEquals(traces.spansPerTrace(), spans.size(), "a waterfall row per span");
            assertEquals(List.of("loadgen", "productpage", "productpage", "reviews", "reviews", "ratings"),
                    spans.stream().map(s -> s.getDomAttribute("data-service")).toList(), "spans ordered by start");
            assertFalse(driver.findElements(By.cssSelector("#waterfall .span-bar.bad")).isEmpty(), "the failing spans are marked");
            screenshot(driver, "trace");

            driver.findElement(By.id("auto-refresh")).click();

            // the namespace switch writes the AccelerationPolicy that kubectl shows
            By bookinfo = By.cssSelector("button.switch[data-namespace='bookinfo']");
            WebElement toggle = wait.until(ExpectedConditions.elementToBeClickable(bookinfo));
            assertEquals("false", toggle.getDomAttribute("aria-checked"));
            // the table is redrawn by each refresh, so the button found may be gone by the time it is clicked
            wait.until(d -> {
                d.findElement(bookinfo).click();
                return true;
            });
            wait.until(d -> "true".equals(d.findElement(bookinfo).getDomAttribute("aria-checked")));
            HttpResponse<String> policies = api.get("/apis/meshlane.io/v1alpha1/namespaces/bookinfo/accelerationpolicies");
            assertEquals(200, policies.statusCode(), policies.body());
            JsonNode items = JSON.readTree(policies.body()).path("items");
            assertEquals(1, items.size(), policies.body());
            assertEquals("Enabled", items.get(0).path("spec").path("acceleration").asText(), policies.body());

            assertFalse(driver.findElement(By.id("error-banner")).isDisplayed(),
                    "no API call failed: " + driver.findElement(By.id("error-banner")).getText());
            screenshot(driver, "namespaces");
        } catch (RuntimeException | AssertionError e) {
            if (driver != null) {
                screenshot(driver, "failure");
            }
            throw e;
        } finally {
            try {
                if (driver != null) {
                    driver.quit();
                }
            } finally {
                if (member != null) {
                    member.close();
                }
                plane.close();
                TempDirs.delete(dataDir);
                TempDirs.delete(goneDir);
            }
        }
    }

    /** POSTs {@code object} (with {@code spec.<field> = value} when a field is given) and returns what was created. */
    static JsonNode create(ApiClient api, String path, JsonNode object, String... specField) throws Exception {
        if (specField.length == 2) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) object).putObject("spec").put(specField[0], specField[1]);
        }
        HttpResponse<String> r = api.send("POST", path, "application/json", JSON.writeValueAsBytes(object));
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Waits for exactly {@code n} rows in the log results and returns their texts, top to bottom. */
    static List<String> logRows(WebDriverWait wait, int n) {
        return wait.until(d -> {
            List<String> rows = d.findElements(By.cssSelector("#log-table tbody tr")).stream().map(WebElement::getText).toList();
            return rows.size() == n ? rows : null;
        });
    }

    /** The number a health counter shows (its data-value), or -1 while the panel has not rendered it. */
    static long counter(WebDriver driver, String name) {
        List<WebElement> found = driver.findElements(By.cssSelector("#health [data-counter='" + name + "']"));
        if (found.isEmpty() || found.get(0).getDomAttribute("data-value").isEmpty()) {
            return -1;
        }
        return Long.parseLong(found.get(0).getDomAttribute("data-value"));
    }

    static void scrollTo(WebDriver driver, String id) {
        ((JavascriptExecutor) driver).executeScript("document.getElementById(arguments[0]).scrollIntoView({block: 'start'})", id);
    }

    static WebDriver chrome(Path dataDir) throws Exception {
        // the Debian driver, so that Selenium Manager never downloads one
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        Path profile = Files.createDirectories(Path.of("target", "chromium-profile-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--ignore-certificate-errors",
                "--window-size=1500,1300", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    static void screenshot(WebDriver driver, String name) {
        try {
            Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(shot, Path.of("target", "dashboard-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            System.err.println("could not save the dashboard-" + name + " screenshot: " + e);
        }
    }
}
