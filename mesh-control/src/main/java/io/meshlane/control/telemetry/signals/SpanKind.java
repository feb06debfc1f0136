package io.meshlane.control.telemetry.signals;

/** OpenTelemetry's span kinds. */
public enum SpanKind { INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER, UNSPECIFIED }
