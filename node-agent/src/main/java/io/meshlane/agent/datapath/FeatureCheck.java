package io.meshlane.agent.datapath;

/** One probed feature: whether it is there, what was seen, and what to do if not. */
public record FeatureCheck(Feature feature, boolean ok, String detail) {

    public String remedy() {
        return ok ? "" : feature.remedy();
    }
}
