package io.meshlane.control.grpc;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A gRPC marshaller that passes message bytes through untouched. Servers parse requests
 * themselves (so an undecodable one is INVALID_ARGUMENT, not UNKNOWN: OTLP, {@link MalformedRequests}); clients that already hold
 * encoded requests (load generators, tests of broken clients) send them as they are.
 */
public final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {

    public static final RawBytes MARSHALLER = new RawBytes();

    private RawBytes() {
    }

    @Override
    public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
        try {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
