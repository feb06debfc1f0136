package io.meshlane.control.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import io.meshlane.control.store.SqliteStore;
import io.meshlane.control.testing.TempDirs;
import io.meshlane.control.xds.XdsOptions;
import io.meshlane.control.xds.XdsServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ADS against inputs meant to hurt it (the plaintext loopback port; the mTLS port shares the same
 * limits): each stream gets a clear gRPC status within bounded time, a well-behaved client keeps
 * receiving updates meanwhile, the store is untouched, and the heap does not keep what was sent.
 */
@Timeout(120)
class HostileAdsInputTest {
    private static final long MB = 1024 * 1024;
    private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

    @Test
    void eachAttackGetsAClearStatusAndAnotherClientKeepsBeingServed() throws Exception {
        Path dir = Files.createTempDirectory("hostile-ads");
        ServiceRegistry registry = new ServiceRegistry();
        try (SqliteStore store = SqliteStore.open(dir.resolve("store"));
             XdsServer xds = XdsServer.start(XdsOptions.defaults().withPort(0), store, registry)) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", xds.port()).usePlaintext().build();
            try {
                long storeRevision = store.revision();
                Stream good = new Stream(ch);
                good.sotw.onNext(request("good").setTypeUrl(CDS).build());
                assertInstanceOf(DiscoveryResponse.class, good.next(), "the well-behaved client's first answer");
                long heapBefore = heapAfterGc();

                long t0 = System.nanoTime();
                Stream bigNonce = new Stream(ch);
                bigNonce.sotw.onNext(request("n").setTypeUrl(CDS).setResponseNonce("n".repeat(10 * (int) MB)).build());
                assertStatus(bigNonce, io.grpc.Status.Code.RESOURCE_EXHAUSTED, "");

                Stream longNonce = new Stream(ch);
                longNonce.sotw.onNext(request("n2").setTypeUrl(CDS).setResponseNonce("x".repeat(10_000)).build());
                assertStatus(longNonce, io.grpc.Status.Code.INVALID_ARGUMENT, "not a nonce this server sent");

                Stream millionNames = new Stream(ch);
                DiscoveryRequest.Builder names = request("names").setTypeUrl(CDS);
                for (int i = 0; i < 1_000_000; i++) {
                    names.addResourceNames("c" + i);
                }
                millionNames.sotw.onNext(names.build());
                assertStatus(millionNames, io.grpc.Status.Code.RESOURCE_EXHAUSTED, "");

                Stream deltaNames = new Stream(ch);
                for (int batch = 0; batch < 20; batch++) { // 20 × 5,000 names, each request under the size limit
                    DeltaDiscoveryRequest.Builder d = DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS).setNode(node("delta"));
                    for (int i = 0; i < 5_000; i++) {
                        d.addResourceNamesSubscribe("b" + batch + "-" + i);
                    }
                    deltaNames.delta.onNext(d.build());
                }
                assertStatus(deltaNames, io.grpc.Status.Code.RESOURCE_EXHAUSTED, "exceed the limit");

                Stream types = new Stream(ch);
                for (int i = 0; i < 100; i++) {
                    types.sotw.onNext(request("types").setTypeUrl("type.googleapis.com/evil.Type" + i).build());
                }
                assertStatus(types, io.grpc.Status.Code.RESOURCE_EXHAUSTED, "types on one stream");

                Stream storm = new Stream(ch);
                storm.sotw.onNext(request("storm").setTypeUrl(CDS).build());
                DiscoveryResponse first = assertInstanceOf(DiscoveryResponse.class, storm.next());
                for (int i = 0; i < 20_000; i++) {
                    storm.sotw.onNext(request("storm").setTypeUrl(CDS).setResponseNonce(first.getNonce()).setVersionInfo("")
                            .setErrorDetail(Status.newBuilder().setMessage("nope " + i)).build());
                }
                long stormNacks = waitForNacks(xds);
                assertEquals(1, stormNacks, "one NACK per response is reported, the storm's repeats are not");
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
                assertTrue(seconds < 60, "the attacks took " + seconds + " s");

                registry.replaceServices("test/after", List.of(new MeshService("after.default.svc.cluster.local", "default",
                        List.of(new ServicePort("grpc", 7070, "GRPC")), "test")));
                DiscoveryResponse update = assertInstanceOf(DiscoveryResponse.class, good.next(), "the other client still gets updates");
                assertTrue(update.getResourcesList().stream().anyMatch(a -> a.toString().contains("after.default.svc.cluster.local")));
                assertEquals(storeRevision, store.revision(), "nothing stored changed");

                long heapAfter = heapAfterGc();
                System.out.printf("ADS heap after GC: before %d MB, after %d MB%n", heapBefore / MB, heapAfter / MB);
                assertTrue(heapAfter < heapBefore + 32 * MB, "the heap keeps what the attacks sent: " + heapBefore / MB + " MB before, "
                        + heapAfter / MB + " MB after");
            } finally {
                ch.shutdownNow();
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static long waitForNacks(XdsServer xds) throws InterruptedException {
        Thread.sleep(2000); // the storm's requests are queued on one stream; give them time to arrive
        return xds.nacksReceived();
    }

    private static void assertStatus(Stream s, io.grpc.Status.Code code, String says) throws InterruptedException {
        Object got = s.next();
        while (got instanceof com.google.protobuf.Message) {
            got = s.next();
        }
        io.grpc.Status status = io.grpc.Status.fromThrowable(assertInstanceOf(Throwable.class, got, "expected a refusal, got " + got));
        assertEquals(code, status.getCode(), status.toString());
        assertTrue(String.valueOf(status.getDescription()).contains(says), status.toString());
    }

    private static Node node(String name) {
        return Node.newBuilder().setId("sidecar~127.0.0.1~" + name + ".default~default.svc.cluster.local")
                .setMetadata(Struct.newBuilder().putFields("GENERATOR", Value.newBuilder().setStringValue("grpc").build())).build();
    }

    private static DiscoveryRequest.Builder request(String name) {
        return DiscoveryRequest.newBuilder().setNode(node(name));
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** One raw ADS stream (SotW or delta, whichever is used first) queueing responses and its end. */
    private static final class Stream {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final StreamObserver<DiscoveryRequest> sotw;
        final StreamObserver<DeltaDiscoveryRequest> delta;

        Stream(ManagedChannel ch) {
            var stub = AggregatedDiscoveryServiceGrpc.newStub(ch);
            StreamObserver<Object> sink = new StreamObserver<>() {
                public void onNext(Object v) {
                    received.add(v);
                }

                public void onError(Throwable t) {
                    received.add(t);
                }

                public void onCompleted() {
                    received.add("completed");
                }
            };
            this.sotw = stub.streamAggregatedResources(cast(sink));
            this.delta = stub.deltaAggregatedResources(cast(sink));
        }

        @SuppressWarnings("unchecked")
        private static <T> StreamObserver<T> cast(StreamObserver<Object> o) {
            return (StreamObserver<T>) (StreamObserver<?>) o;
        }

        Object next() throws InterruptedException {
            Object o = received.poll(20, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("no answer within 20 s");
            }
            return o;
        }
    }
}
