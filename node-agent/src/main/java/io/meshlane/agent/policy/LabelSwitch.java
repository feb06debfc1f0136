package io.meshlane.agent.policy;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/** Reads the {@code meshlane.io/acceleration} namespace label. */
public final class LabelSwitch {

    public static final String LABEL = "meshlane.io/acceleration";
    private static final Logger LOG = Logger.getLogger(LabelSwitch.class.getName());

    private LabelSwitch() {
    }

    /** enabled -> true, disabled -> false; absent or unrecognised (logged) -> empty. */
    public static Optional<Boolean> of(String namespace, Map<String, String> labels) {
        String value = labels == null ? null : labels.get(LABEL);
        if (value == null) {
            return Optional.empty();
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "enabled" -> Optional.of(true);
            case "disabled" -> Optional.of(false);
            default -> {
                LOG.warning("namespace " + namespace + ": label " + LABEL + "=" + value
                        + " is neither enabled nor disabled; ignoring it");
                yield Optional.empty();
            }
        };
    }
}
