package io.meshlane.control.autoscaling;

/** One step limit of a direction: at most {@code value} pods, or {@code value} percent, per {@code periodSeconds}. */
record ScalingPolicy(Type type, int value, int periodSeconds) {

    enum Type { Pods, Percent }

    ScalingPolicy {
        if (value < 1) {
            throw new IllegalArgumentException("a scaling policy's value must be at least 1, got " + value);
        }
        if (periodSeconds < 1 || periodSeconds > 1800) {
            throw new IllegalArgumentException("a scaling policy's periodSeconds must be within 1..1800, got " + periodSeconds);
        }
    }
}
