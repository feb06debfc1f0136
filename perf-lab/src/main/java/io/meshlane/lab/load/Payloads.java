package io.meshlane.lab.load;

import io.netty.buffer.ByteBuf;

import java.util.zip.CRC32C;

/** Request bodies: unique per request (derived from its sequence number) and checksummed. */
public final class Payloads {
    private Payloads() {
    }

    /** Appends {@code size} pseudo-random bytes derived from {@code seq}. */
    public static void fill(ByteBuf buf, long seq, int size) {
        long x = seq * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        int i = 0;
        for (; i + 8 <= size; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            buf.writeLong(x);
        }
        for (; i < size; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            buf.writeByte((int) x);
        }
    }

    /** CRC32C of {@code length} readable bytes starting at {@code index}, without moving indexes. */
    public static int crc(ByteBuf buf, int index, int length) {
        CRC32C crc = new CRC32C();
        if (buf.nioBufferCount() == 1) {
            crc.update(buf.nioBuffer(index, length));
        } else {
            byte[] bytes = new byte[length];
            buf.getBytes(index, bytes);
            crc.update(bytes);
        }
        return (int) crc.getValue();
    }
}
