package io.meshlane.control.identity;

import java.util.List;
import java.util.Optional;

/**
 * Where join tokens and revocations are kept: files in one replica's data directory, or keys in the
 * store every replica shares (etcd), so that a token made through one replica joins through another
 * and a revocation holds on every replica. Names are relative paths such as {@code east/node-1}.
 */
interface Records {

    /** Creates or replaces {@code name}. */
    void put(String name, String value);

    Optional<String> get(String name);

    /** Removes {@code name}; true only for the one caller that removed it (a race of two has one winner). */
    boolean delete(String name);

    /** Every name, in no particular order. */
    List<String> names();

    /** Where the records are, for messages. */
    String where();
}
