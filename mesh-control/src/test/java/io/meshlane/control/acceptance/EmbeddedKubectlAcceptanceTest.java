package io.meshlane.control.acceptance;

import io.meshlane.control.server.ControlPlaneOptions;
import java.nio.file.Path;

/** The acceptance against the default embedded (SQLite) store. */
class EmbeddedKubectlAcceptanceTest extends KubectlAcceptance {
    @Override
    protected ControlPlaneOptions options(Path dataDir) {
        return ControlPlaneOptions.defaults().withDataDir(dataDir);
    }
}
