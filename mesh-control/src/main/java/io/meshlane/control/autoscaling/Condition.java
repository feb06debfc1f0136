package io.meshlane.control.autoscaling;

/** One of the HPA's status conditions: AbleToScale, ScalingActive or ScalingLimited. */
record Condition(String type, boolean status, String reason, String message) {

    static final String ABLE_TO_SCALE = "AbleToScale";
    static final String SCALING_ACTIVE = "ScalingActive";
    static final String SCALING_LIMITED = "ScalingLimited";
}
