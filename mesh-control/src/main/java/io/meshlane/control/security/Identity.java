package io.meshlane.control.security;

import java.util.List;

/** Who made a request: a user name and the groups it belongs to. */
public record Identity(String user, List<String> groups) {

    /** The group whose members may write everywhere (the admin token's identity is in it). */
    public static final String MASTERS = "system:masters";

    public boolean isMaster() {
        return groups.contains(MASTERS);
    }
}
