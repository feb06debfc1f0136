package io.meshlane.control.dashboard;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** POSTs an encoded OTLP request to a receiver the way an SDK exporter does; fails with the receiver's answer. */
final class OtlpHttpPost {

    private OtlpHttpPost() {
    }

    static void send(String endpoint, String signalPath, String token, byte[] body) throws Exception {
        HttpResponse<String> answer;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            answer = http.send(HttpRequest.newBuilder(URI.create(endpoint + signalPath)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-protobuf").header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new AssertionError("nothing receives OTLP/HTTP at " + endpoint + ": the control plane must start its OTLP receivers"
                    + " from ControlPlaneOptions.telemetry() (" + e + ")", e);
        }
        if (answer.statusCode() != 200) {
            throw new AssertionError("OTLP/HTTP export to " + endpoint + signalPath + " answered " + answer.statusCode() + ": "
                    + answer.body());
        }
    }
}
