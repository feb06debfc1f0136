package io.meshlane.control.xds;

import java.time.Instant;

/** A configuration object the translator refused; the last good version of it stays in force. */
record Rejection(String kind, String namespace, String name, long revision, String message, Instant at) {
}
