package io.meshlane.control.dashboard;

/** One file of the built dashboard, held in memory, with how browsers may cache it. */
record Asset(String path, byte[] bytes, String contentType, String cacheControl) {
}
