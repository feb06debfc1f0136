package io.meshlane.lab.http;

import io.meshlane.lab.telemetry.LabOtel;

import java.util.concurrent.CountDownLatch;

/**
 * Entry point of an {@code app: http} pod: {@code HttpServiceMain --service S --port P
 * [--call <url>=<peer service>]... [--delay-millis D] [--error-rate R] [--slow-every N --slow-millis M]
 * [--otlp URL --export-interval MS] [--namespace N --workload W --pod P --cluster C] [--served-file F]}.
 * Prints READY when bound. With {@code --served-file} it keeps F up to date with its requests per lane colour.
 */
public final class HttpServiceMain {
    private HttpServiceMain() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = new Flags("HttpServiceMain", args);
        String service = flags.required("service");
        HttpService.Behaviour behaviour = new HttpService.Behaviour(service, flags.integer("port", 9080),
                flags.all("call").stream().map(NextHop::parse).toList(), flags.integer("delay-millis", 0),
                flags.decimal("error-rate", 0), flags.integer("slow-every", 0), flags.integer("slow-millis", 0),
                flags.get("pod", service));
        LabOtel otel = ProcessTelemetry.from(flags, service);
        HttpService http = new HttpService(behaviour, otel.api());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            http.close();
            otel.close();
            stop.countDown();
        }));
        int port = http.start();
        String servedFile = flags.get("served-file", null);
        if (servedFile != null) {
            ServedCounts.writeEvery(http, java.nio.file.Path.of(servedFile), java.time.Duration.ofMillis(100));
        }
        System.out.println("READY http service=" + service + " port=" + port + " calls=" + behaviour.calls().size()
                + " export=" + flags.get("otlp", "off"));
        System.out.flush();
        stop.await();
    }
}
