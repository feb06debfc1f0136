package io.meshlane.control.telemetry.otlp;

import com.google.protobuf.ByteString;

/** Trace and span ids: lower-case hex, and OTLP's validity rules (right length, not all zero). */
final class OtlpIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private OtlpIds() {
    }

    static String hex(ByteString id) {
        char[] out = new char[id.size() * 2];
        for (int i = 0; i < id.size(); i++) {
            int b = id.byteAt(i) & 0xff;
            out[2 * i] = HEX[b >>> 4];
            out[2 * i + 1] = HEX[b & 0xf];
        }
        return new String(out);
    }

    /** Null when valid; otherwise what is wrong with it. */
    static String problem(String what, ByteString id, int length) {
        if (id.size() != length) {
            return what + " has " + id.size() + " bytes, expected " + length;
        }
        for (int i = 0; i < length; i++) {
            if (id.byteAt(i) != 0) {
                return null;
            }
        }
        return what + " is all zeros";
    }
}
