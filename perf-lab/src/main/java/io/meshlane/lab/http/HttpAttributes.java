package io.meshlane.lab.http;

import io.opentelemetry.api.common.AttributeKey;

/** OpenTelemetry semantic-convention keys the lab's HTTP spans carry. */
final class HttpAttributes {
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> FULL_URL = AttributeKey.stringKey("url.full");
    static final AttributeKey<String> PEER_SERVICE = AttributeKey.stringKey("peer.service");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    /** The delay the lab injected into this request on purpose (slowEvery/slowMillis, delayMillis). */
    /** Semantic conventions' request-header attributes: the forwarded lane colour shows as http.request.header.x-meshlane-lane. */
    static final String FORWARDED_PREFIX = "http.request.header.";
    static final AttributeKey<Long> INJECTED_DELAY = AttributeKey.longKey("lab.injected_delay_ms");

    private HttpAttributes() {
    }
}
