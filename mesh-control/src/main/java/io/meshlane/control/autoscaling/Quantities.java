package io.meshlane.control.autoscaling;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Numbers as Kubernetes quantities: integers plain, fractions in thousandths ("1500m"), as the HPA shows them. */
public final class Quantities {
    private Quantities() {
    }

    public static String format(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "<unknown>";
        }
        BigDecimal milli = BigDecimal.valueOf(v).multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING);
        if (milli.remainder(BigDecimal.valueOf(1000)).signum() == 0) {
            return milli.divide(BigDecimal.valueOf(1000)).toPlainString();
        }
        return milli.toPlainString() + "m";
    }
}
