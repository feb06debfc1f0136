package io.meshlane.lab.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Collectors;

/**
 * The saturation curve as SVG, one panel per payload: offered rate (log) → p50 (dashed) and p99
 * (solid) latency (log) per mode and path, with the p99 budget as a red line. Plain text, so it
 * renders in any browser or Markdown viewer with no drawing library.
 */
final class SaturationPlot {
    private static final int W = 620;
    private static final int H = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final Map<String, String> COLORS = Map.of("direct", "#555555", "iptables", "#D95F02", "ebpf", "#1B9E77");

    private SaturationPlot() {
    }

    static String svg(BenchResult result, BenchOptions options) {
        List<Integer> payloads = options.payloads();
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"11\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                W * payloads.size(), H));
        for (int i = 0; i < payloads.size(); i++) {
            int payload = payloads.get(i);
            panel(svg, i * W, payload, result.saturationCurve().stream().filter(p -> p.payload() == payload).toList(),
                    options.saturation().budgetMicros());
        }
        return svg.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder svg, int x0, int payload, List<SaturationPoint> points, long budgetUs) {
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        int px = x0 + LEFT;
        double minRate = points.stream().mapToDouble(SaturationPoint::offeredRps).min().orElse(100);
        double maxRate = points.stream().mapToDouble(SaturationPoint::offeredRps).max().orElse(1000);
        double xlo = Math.log10(minRate);
        double xhi = Math.max(xlo + 0.3, Math.log10(maxRate));
        double ylo = Math.floor(Math.log10(Math.max(1, points.stream().mapToDouble(SaturationPoint::p50Us).min().orElse(10))));
        double yhi = Math.max(ylo + 1, Math.ceil(Math.log10(Math.max(budgetUs * 2.0,
                points.stream().mapToDouble(SaturationPoint::p99Us).max().orElse(1000)))));
        DoubleUnaryOperator sx = v -> px + (Math.log10(v) - xlo) / (xhi - xlo) * plotW;
        DoubleUnaryOperator sy = v -> TOP + plotH - (Math.log10(Math.max(v, Math.pow(10, ylo))) - ylo) / (yhi - ylo) * plotH;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"28\" font-size=\"15\" font-weight=\"bold\">"
                + "Saturation, %d B: offered rate → latency</text>%n", px, payload));
        for (double d = ylo; d <= yhi + 1e-9; d++) {
            double y = sy.applyAsDouble(Math.pow(10, d));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", px, y, px + plotW, y, px - 6, y + 4,
                    label(Math.pow(10, d))));
        }
        for (SaturationPoint p : points.stream().filter(p -> p.mode().equals(points.getFirst().mode())
                && p.path().equals(points.getFirst().path())).toList()) {
            double x = sx.applyAsDouble(p.offeredRps());
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x, TOP, x, TOP + plotH, x, TOP + plotH + 16,
                    p.offeredRps()));
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>%n"
                        + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">offered req/s (log)</text>%n"
                        + "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">latency µs (log)</text>%n",
                px, TOP, plotW, plotH, px + plotW / 2, TOP + plotH + 36, x0 + 16, TOP + plotH / 2));
        double by = sy.applyAsDouble(budgetUs);
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"red\" stroke-dasharray=\"6,4\"/>"
                + "<text x=\"%d\" y=\"%.1f\" fill=\"red\" text-anchor=\"end\">p99 budget %d µs</text>%n",
                px, by, px + plotW, by, px + plotW - 4, by - 4, budgetUs));
        Map<String, List<SaturationPoint>> lines = points.stream().collect(Collectors.groupingBy(
                p -> p.path().equals(BenchPath.SAME_NODE.id()) ? p.mode() : p.mode() + "@" + p.path(),
                java.util.LinkedHashMap::new, Collectors.toList()));
        int legendY = TOP + 16;
        for (var e : lines.entrySet()) {
            String color = COLORS.getOrDefault(e.getValue().getFirst().mode(), "#3366CC");
            String dash = e.getValue().getFirst().path().equals(BenchPath.SAME_NODE.id()) ? "" : " stroke-dasharray=\"2,2\"";
            svg.append(polyline(e.getValue(), sx, sy, true, color, dash));
            svg.append(polyline(e.getValue(), sx, sy, false, color, " stroke-dasharray=\"5,3\" stroke-opacity=\"0.6\""));
            for (SaturationPoint p : e.getValue()) {
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                        sx.applyAsDouble(p.offeredRps()), sy.applyAsDouble(p.p99Us()), p.withinBudget() ? color : "red"));
            }
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2.5\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s p99 (solid), p50 (dashed)</text>%n",
                    px + 10, legendY - 4, px + 30, legendY - 4, color, px + 36, legendY, e.getKey()));
            legendY += 16;
        }
    }

    private static String polyline(List<SaturationPoint> points, DoubleUnaryOperator sx, DoubleUnaryOperator sy, boolean p99, String color, String style) {
        String pts = points.stream().map(p -> String.format(Locale.ROOT, "%.1f,%.1f", sx.applyAsDouble(p.offeredRps()),
                sy.applyAsDouble(p99 ? p.p99Us() : p.p50Us()))).collect(Collectors.joining(" "));
        return String.format("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s/>%n", pts, color,
                p99 ? "2.2" : "1.5", style);
    }

    private static String label(double us) {
        return us >= 1000 ? String.format(Locale.ROOT, "%.0f ms", us / 1000) : String.format(Locale.ROOT, "%.0f", us);
    }
}
