package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

/** Reading Istio's spec value types: durations ({@code 1.5s}, {@code 300ms}) and percentages. */
final class Specs {
    private Specs() {
    }

    static Duration duration(JsonNode value, String field) {
        String text = value.asText("").trim();
        try {
            double seconds;
            if (text.endsWith("ms")) {
                seconds = Double.parseDouble(text.substring(0, text.length() - 2)) / 1000.0;
            } else if (text.endsWith("us")) {
                seconds = Double.parseDouble(text.substring(0, text.length() - 2)) / 1_000_000.0;
            } else if (text.endsWith("s")) {
                seconds = Double.parseDouble(text.substring(0, text.length() - 1));
            } else if (text.endsWith("m")) {
                seconds = Double.parseDouble(text.substring(0, text.length() - 1)) * 60;
            } else if (text.endsWith("h")) {
                seconds = Double.parseDouble(text.substring(0, text.length() - 1)) * 3600;
            } else {
                throw new NumberFormatException("no unit");
            }
            if (seconds < 0) {
                throw new NumberFormatException("negative");
            }
            long whole = (long) Math.floor(seconds);
            int nanos = (int) Math.round((seconds - whole) * 1e9);
            if (nanos >= 1_000_000_000) {
                whole++;
                nanos -= 1_000_000_000;
            }
            return Duration.newBuilder().setSeconds(whole).setNanos(nanos).build();
        } catch (NumberFormatException e) {
            throw new TranslationException(field + ": '" + text + "' is not a duration such as 1.5s or 300ms");
        }
    }

    /** Istio's {@code percentage: {value: 12.5}} (0-100) as a fraction per million; absent is 100%. */
    static FractionalPercent percent(JsonNode percentage, String field) {
        double value = percentage.isMissingNode() || percentage.isNull() ? 100.0 : percentage.path("value").asDouble(100.0);
        if (value < 0 || value > 100) {
            throw new TranslationException(field + ": percentage " + value + " is outside 0-100");
        }
        return FractionalPercent.newBuilder().setNumerator((int) Math.round(value * 10_000))
                .setDenominator(FractionalPercent.DenominatorType.MILLION).build();
    }
}
