package io.meshlane.control.telemetry.federation;

import com.fasterxml.jackson.databind.JsonNode;

/** One peer's answer to a fan-out: its JSON document, or why there is none. */
public record PeerAnswer(String peer, JsonNode document, String error) {

    public boolean ok() {
        return error.isEmpty();
    }
}
