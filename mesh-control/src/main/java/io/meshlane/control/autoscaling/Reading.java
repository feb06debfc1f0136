package io.meshlane.control.autoscaling;

/** A metric's value over the window, or why there is none ({@code missing} non-null). */
public record Reading(double value, String missing) {

    public static Reading of(double value) {
        return new Reading(value, null);
    }

    public static Reading missing(String why) {
        return new Reading(Double.NaN, why);
    }

    public boolean present() {
        return missing == null;
    }
}
