package io.meshlane.lab.relay;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of the sidecar process (run by the lab as uid 1337 inside a pod):
 * {@code RelayMain [--pod NAME] [--outbound 15001] [--inbound 15006]}. Prints READY when bound.
 */
public final class RelayMain {
    private RelayMain() {
    }

    public static void main(String[] args) throws Exception {
        String pod = "?";
        int outbound = RelayListener.OUTBOUND_PORT;
        int inbound = RelayListener.INBOUND_PORT;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--pod" -> pod = args[i + 1];
                case "--outbound" -> outbound = Integer.parseInt(args[i + 1]);
                case "--inbound" -> inbound = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        PrintStream out = System.out;
        SidecarRelay relay = new SidecarRelay(new OriginalDestination(),
                List.of(RelayListener.outbound(outbound), RelayListener.inbound(inbound)), 1,
                line -> {
                    synchronized (out) {
                        out.println(line);
                        out.flush();
                    }
                });
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            stop.countDown();
        }));
        List<Integer> ports = relay.start();
        out.println("READY sidecar pod=" + pod + " uid=" + uid() + " outbound=" + ports.get(0) + " inbound=" + ports.get(1));
        out.flush();
        stop.await();
    }

    private static String uid() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).map(l -> l.split("\\s+")[1]).findFirst().orElse("?");
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
