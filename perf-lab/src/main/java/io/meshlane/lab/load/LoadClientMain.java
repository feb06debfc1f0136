package io.meshlane.lab.load;

import java.time.Duration;

/**
 * The lab's "load" app: {@code LoadClientMain --target IP --port P --rate R --payload B --connections C}
 * sends open-loop load in 10-second windows until killed and prints one summary per window.
 */
public final class LoadClientMain {
    private LoadClientMain() {
    }

    public static void main(String[] args) {
        String target = null;
        int port = 8080;
        int rate = 100;
        int payload = 64;
        int connections = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--target" -> target = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--rate" -> rate = Integer.parseInt(v);
                case "--payload" -> payload = Integer.parseInt(v);
                case "--connections" -> connections = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (target == null) {
            throw new IllegalArgumentException("--target is required");
        }
        LoadSpec spec = new LoadSpec(target, port, payload, connections, rate, Duration.ofSeconds(10));
        System.out.println("READY load target=" + target + ":" + port + " rate=" + rate);
        System.out.flush();
        try (LoadGenerator generator = new LoadGenerator()) {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    LoadResult r = generator.openLoop(spec);
                    System.out.printf("window requests=%d errors=%d p50_us=%.1f p99_us=%.1f %s%n", r.requests(), r.errors(),
                            r.latency().getValueAtPercentile(50) / 1000.0, r.latency().getValueAtPercentile(99) / 1000.0,
                            r.errorSamples().isEmpty() ? "" : r.errorSamples());
                } catch (RuntimeException e) {
                    System.out.println("window failed: " + e.getMessage());
                    sleep();
                }
                System.out.flush();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
