package io.meshlane.control.grpc;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;

/**
 * A service re-bound so that a request which is not its protobuf message is answered
 * INVALID_ARGUMENT with the reason. grpc-java parses requests before any handler or interceptor runs
 * and answers a parse failure with {@code UNKNOWN: Application error processing RPC}, which tells a
 * client nothing; here each method takes the raw bytes and parses them first, so no handler sees garbage.
 */
public final class MalformedRequests {

    private MalformedRequests() {
    }

    public static ServerServiceDefinition refused(ServerServiceDefinition service) {
        ServerServiceDefinition.Builder rebound = ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            rebind(rebound, method);
        }
        return rebound.build();
    }

    private static <Q, R> void rebind(ServerServiceDefinition.Builder rebound, ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> typed = method.getMethodDescriptor();
        MethodDescriptor<byte[], R> raw = typed.toBuilder(RawBytes.MARSHALLER, typed.getResponseMarshaller()).build();
        ServerCallHandler<byte[], R> handler = (call, headers) -> new Parsing<>(typed, call, method.getServerCallHandler(), headers);
        rebound.addMethod(raw, handler);
    }

    /** Parses each request before the method's own listener sees it; a request that does not parse ends the call. */
    private static final class Parsing<Q, R> extends ServerCall.Listener<byte[]> {
        private final MethodDescriptor<Q, R> method;
        private final ServerCall<byte[], R> call;
        private final ServerCall.Listener<Q> delegate;
        private boolean refused;

        Parsing(MethodDescriptor<Q, R> method, ServerCall<byte[], R> call, ServerCallHandler<Q, R> handler, Metadata headers) {
            this.method = method;
            this.call = call;
            this.delegate = handler.startCall(new Typed<>(call, method), headers);
        }

        @Override
        public void onMessage(byte[] message) {
            if (refused) {
                return;
            }
            Q request;
            try {
                request = method.parseRequest(new ByteArrayInputStream(message));
            } catch (RuntimeException e) {
                refused = true;
                String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
                call.close(Status.INVALID_ARGUMENT.withDescription("the request (" + message.length + " bytes) is not a valid "
                        + method.getFullMethodName() + " request: " + why), new Metadata());
                return;
            }
            delegate.onMessage(request);
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                delegate.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            delegate.onCancel();
        }

        @Override
        public void onComplete() {
            delegate.onComplete();
        }

        @Override
        public void onReady() {
            if (!refused) {
                delegate.onReady();
            }
        }
    }

    /** The raw call as the method's own handler expects it: only its descriptor differs. */
    private static final class Typed<Q, R> extends ServerCall<Q, R> {
        private final ServerCall<byte[], R> raw;
        private final MethodDescriptor<Q, R> method;

        Typed(ServerCall<byte[], R> raw, MethodDescriptor<Q, R> method) {
            this.raw = raw;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            raw.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            raw.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            raw.sendMessage(message);
        }

        @Override
        public boolean isReady() {
            return raw.isReady();
        }

        @Override
        public void close(Status status, Metadata trailers) {
            raw.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return raw.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            raw.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            raw.setCompression(compressor);
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            raw.setOnReadyThreshold(numBytes);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return raw.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return raw.getAttributes();
        }

        @Override
        public String getAuthority() {
            return raw.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
