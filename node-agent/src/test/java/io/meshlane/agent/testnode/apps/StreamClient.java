package io.meshlane.agent.testnode.apps;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/**
 * Streams random bytes to an echo server and checks what comes back.
 * Args: host port totalBytes chunkBytes pauseMillis [pauseFile]. While pauseFile exists,
 * sending waits (the test's way to hold a connection open and quiet).
 * Prints CONNECTED, then DONE sent=&lt;sha256&gt; received=&lt;sha256&gt; bytes=&lt;n&gt;.
 */
public final class StreamClient {

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        long total = Long.parseLong(args[2]);
        int chunk = Integer.parseInt(args[3]);
        long pauseMillis = Long.parseLong(args[4]);
        Path pauseFile = args.length > 5 && !args[5].isEmpty() ? Path.of(args[5]) : null;
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port))) {
            System.out.println("CONNECTED local=" + ch.getLocalAddress() + " remote=" + ch.getRemoteAddress());
            System.out.flush();
            MessageDigest sent = sha256();
            MessageDigest received = sha256();
            Thread writer = Thread.ofPlatform().start(() -> send(ch, total, chunk, pauseMillis, pauseFile, sent));
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            long got = 0;
            while (got < total) {
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                received.update(in.array(), 0, n);
                got += n;
                in.clear();
            }
            writer.join();
            HexFormat hex = HexFormat.of();
            System.out.println("DONE sent=" + hex.formatHex(sent.digest()) + " received=" + hex.formatHex(received.digest())
                    + " bytes=" + got);
            System.out.flush();
        }
    }

    private static void send(SocketChannel ch, long total, int chunk, long pauseMillis, Path pauseFile, MessageDigest sent) {
        Random random = new Random(42);
        byte[] block = new byte[chunk];
        try {
            for (long done = 0; done < total; ) {
                while (pauseFile != null && Files.exists(pauseFile)) {
                    Thread.sleep(5);
                }
                int n = (int) Math.min(chunk, total - done);
                random.nextBytes(block);
                sent.update(block, 0, n);
                ByteBuffer out = ByteBuffer.wrap(block, 0, n);
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                done += n;
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            }
        } catch (IOException | InterruptedException e) {
            System.out.println("SEND-ERROR " + e);
        }
    }

    private static MessageDigest sha256() throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256");
    }
}
