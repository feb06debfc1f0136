package io.meshlane.control.registry;

/**
 * Where an endpoint or a node runs: region, zone and subzone, any of them empty. Written as
 * {@code region/zone/subzone}, the form of Istio's {@code istio-locality} label and localityLbSetting.
 */
public record Locality(String region, String zone, String subzone) {
    public static final Locality UNKNOWN = new Locality("", "", "");

    public Locality {
        region = region == null ? "" : region;
        zone = zone == null ? "" : zone;
        subzone = subzone == null ? "" : subzone;
    }

    /** Parses {@code region/zone/subzone} (also {@code region.zone.subzone} from the istio-locality label); null or blank is unknown. */
    public static Locality parse(String text) {
        if (text == null || text.isBlank()) {
            return UNKNOWN;
        }
        String[] parts = text.trim().split(text.contains("/") ? "/" : "\\.", -1);
        return new Locality(parts[0], parts.length > 1 ? parts[1] : "", parts.length > 2 ? parts[2] : "");
    }

    /**
     * Whether this locality is matched by a localityLbSetting pattern such as {@code us-east/*},
     * {@code us-east/zone1/*} or {@code *}.
     */
    public boolean matches(String pattern) {
        if (pattern == null || pattern.isBlank() || pattern.equals("*")) {
            return true;
        }
        String[] p = pattern.split("/", -1);
        String[] mine = {region, zone, subzone};
        for (int i = 0; i < p.length && i < 3; i++) {
            if (p[i].equals("*")) {
                return true;
            }
            if (!p[i].equals(mine[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return region + "/" + zone + "/" + subzone;
    }
}
