package io.meshlane.agent.testnode.apps;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** Echoes every byte back on each accepted connection. Args: port. */
public final class EchoServer {

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("0.0.0.0", port));
            System.out.println("LISTENING " + port);
            System.out.flush();
            while (true) {
                SocketChannel conn = server.accept();
                Thread.ofPlatform().daemon().start(() -> echo(conn));
            }
        }
    }

    private static void echo(SocketChannel conn) {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        try (conn) {
            while (conn.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    conn.write(buf);
                }
                buf.clear();
            }
        } catch (IOException e) {
            System.out.println("ECHO-ERROR " + e);
        }
    }
}
