package io.meshlane.control.store;

/** Key-prefix arithmetic shared by the engines: the exclusive upper bound of a prefix range. */
record KeyRange(String prefix) {

    String end() {
        if (prefix.isEmpty()) {
            return "\uffff";
        }
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    boolean contains(String key) {
        return key.startsWith(prefix);
    }
}
