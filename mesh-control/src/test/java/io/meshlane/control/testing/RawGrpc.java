package io.meshlane.control.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.meshlane.control.grpc.RawBytes;
import java.util.concurrent.TimeUnit;

/** Unary gRPC calls whose request is whatever bytes a test chooses (garbage where protobuf should be). */
public final class RawGrpc {

    private RawGrpc() {
    }

    /** Sends {@code body} as the request of {@code fullMethodName}; throws the call's StatusRuntimeException. */
    public static byte[] call(Channel channel, String fullMethodName, byte[] body) {
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullMethodName).setRequestMarshaller(RawBytes.MARSHALLER).setResponseMarshaller(RawBytes.MARSHALLER).build();
        return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), body);
    }
}
