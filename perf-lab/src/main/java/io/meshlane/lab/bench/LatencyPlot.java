package io.meshlane.lab.bench;

import org.HdrHistogram.Histogram;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Percentile curves per mode, one panel per payload: x is the percentile on a "nines" scale
 * (0, 90, 99, 99.9, 99.99 %), y the latency in µs on a log scale. Drawn with Java2D, headless.
 */
public final class LatencyPlot {
    private static final int PANEL_W = 620;
    private static final int H = 460;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final double MAX_NINES = 4.0;
    private static final Map<String, Color> COLORS = Map.of(
            "direct", new Color(0x55, 0x55, 0x55), "iptables", new Color(0xD9, 0x5F, 0x02), "ebpf", new Color(0x1B, 0x9E, 0x77));

    private LatencyPlot() {
    }

    public static void write(BenchResult result, BenchOptions options, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Integer> payloads = options.payloads();
        BufferedImage img = new BufferedImage(PANEL_W * payloads.size(), H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            for (int i = 0; i < payloads.size(); i++) {
                panel(g, i * PANEL_W, payloads.get(i), result, options);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", file.toFile());
    }

    private static void panel(Graphics2D g, int x0, int payload, BenchResult result, BenchOptions options) {
        int plotW = PANEL_W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        int px = x0 + LEFT;
        List<String> modes = BenchArm.all(options).stream().map(BenchArm::id).toList();
        double minUs = Double.MAX_VALUE;
        double maxUs = 1;
        for (String mode : modes) {
            Histogram h = result.histograms().get(BenchResult.key(mode, payload));
            if (h == null || h.getTotalCount() == 0) {
                continue;
            }
            minUs = Math.min(minUs, Math.max(1, h.getValueAtPercentile(0) / 1000.0));
            maxUs = Math.max(maxUs, h.getMaxValue() / 1000.0);
        }
        if (minUs == Double.MAX_VALUE) {
            minUs = 1;
        }
        double lo = Math.floor(Math.log10(minUs));
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(maxUs)));

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.setColor(Color.BLACK);
        g.drawString("Latency by percentile, " + payload + " B @ " + options.rate() + " req/s", px, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setStroke(new BasicStroke(1f));
        for (double d = lo; d <= hi + 1e-9; d += 1) {
            for (int m : new int[]{1, 2, 5}) {
                double v = Math.pow(10, d) * m;
                if (Math.log10(v) > hi + 1e-9) {
                    continue;
                }
                int y = TOP + plotH - (int) ((Math.log10(v) - lo) / (hi - lo) * plotH);
                g.setColor(m == 1 ? new Color(0xCC, 0xCC, 0xCC) : new Color(0xEE, 0xEE, 0xEE));
                g.drawLine(px, y, px + plotW, y);
                g.setColor(Color.DARK_GRAY);
                g.drawString(label(v), px - 8 - g.getFontMetrics().stringWidth(label(v)), y + 4);
            }
        }
        String[] ticks = {"0%", "90%", "99%", "99.9%", "99.99%"};
        for (int n = 0; n <= MAX_NINES; n++) {
            int x = px + (int) (n / MAX_NINES * plotW);
            g.setColor(new Color(0xDD, 0xDD, 0xDD));
            g.drawLine(x, TOP, x, TOP + plotH);
            g.setColor(Color.DARK_GRAY);
            g.drawString(ticks[n], x - g.getFontMetrics().stringWidth(ticks[n]) / 2, TOP + plotH + 16);
        }
        g.setColor(Color.BLACK);
        g.drawRect(px, TOP, plotW, plotH);
        g.drawString("percentile", px + plotW / 2 - 25, TOP + plotH + 34);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString("latency (log scale)", -(TOP + plotH / 2 + 45), x0 + 16);
        rotated.dispose();

        int legendY = TOP + 16;
        for (String mode : modes) {
            Histogram h = result.histograms().get(BenchResult.key(mode, payload));
            if (h == null || h.getTotalCount() == 0) {
                continue;
            }
            Color c = COLORS.getOrDefault(mode, Color.BLUE);
            g.setColor(c);
            g.setStroke(new BasicStroke(2.2f));
            Path2D path = new Path2D.Double();
            List<double[]> pts = new ArrayList<>();
            for (int i = 0; i <= 400; i++) {
                double nines = MAX_NINES * i / 400.0;
                double pct = 100.0 * (1 - Math.pow(10, -nines));
                double us = Math.max(Math.pow(10, lo), h.getValueAtPercentile(pct) / 1000.0);
                pts.add(new double[]{px + nines / MAX_NINES * plotW, TOP + plotH - (Math.log10(us) - lo) / (hi - lo) * plotH});
            }
            path.moveTo(pts.getFirst()[0], pts.getFirst()[1]);
            pts.forEach(p -> path.lineTo(p[0], p[1]));
            g.draw(path);
            g.fillRect(px + 12, legendY - 8, 18, 4);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%s  p50 %.0f µs  p99 %.0f µs", mode, h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0), px + 36, legendY - 2);
            legendY += 18;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static String label(double us) {
        if (us >= 1_000_000) {
            return String.format("%.0f s", us / 1e6);
        }
        if (us >= 1000) {
            return String.format("%.0f ms", us / 1000);
        }
        return String.format("%.0f", us);
    }
}
