package io.meshlane.control.telemetry.otlp;

import java.util.List;

/** Items decoded from one OTLP request, and how many were refused (the first reason kept). */
record Decoded<T>(List<T> items, int rejected, String firstRejection) {
}
