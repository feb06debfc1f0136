package io.meshlane.control.telemetry.export;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prometheus remote-write 1.0's WriteRequest in protobuf wire format, written by hand (the message has
 * four fields; a generated class would need protoc in this module's build):
 * <pre>
 * WriteRequest { repeated TimeSeries timeseries = 1; }
 * TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 * Label        { string name = 1; string value = 2; }
 * Sample       { double value = 1; int64 timestamp = 2; }
 * </pre>
 * Labels are sorted by name with __name__ among them, as the protocol requires; names that Prometheus
 * would refuse have their invalid characters replaced by '_'.
 */
final class RemoteWriteEncoding {
    private RemoteWriteEncoding() {
    }

    static byte[] writeRequest(List<RemoteSeries> series) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(series.size() * 128);
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            for (RemoteSeries s : series) {
                byte[] ts = timeSeries(s);
                out.writeByteArray(1, ts);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] timeSeries(RemoteSeries s) throws IOException {
        Map<String, String> labels = new TreeMap<>();
        s.labels().forEach((k, v) -> labels.put(sanitize(k, false), v));
        labels.put("__name__", sanitize(s.name(), true));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + labels.size() * 32);
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        for (Map.Entry<String, String> l : labels.entrySet()) {
            out.writeTag(1, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(CodedOutputStream.computeStringSize(1, l.getKey()) + CodedOutputStream.computeStringSize(2, l.getValue()));
            out.writeString(1, l.getKey());
            out.writeString(2, l.getValue());
        }
        out.writeTag(2, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(CodedOutputStream.computeDoubleSize(1, s.value()) + CodedOutputStream.computeInt64Size(2, s.timestampMillis()));
        out.writeDouble(1, s.value());
        out.writeInt64(2, s.timestampMillis());
        out.flush();
        return bytes.toByteArray();
    }

    /** Metric names allow [a-zA-Z_:][a-zA-Z0-9_:]*, label names the same without ':'. */
    static String sanitize(String name, boolean metric) {
        if (name.isEmpty()) {
            return "_";
        }
        StringBuilder sb = null;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (metric && c == ':') || (i > 0 && c >= '0' && c <= '9');
            if (!ok && sb == null) {
                sb = new StringBuilder(name);
            }
            if (!ok) {
                sb.setCharAt(i, '_');
            }
        }
        return sb == null ? name : sb.toString();
    }
}
