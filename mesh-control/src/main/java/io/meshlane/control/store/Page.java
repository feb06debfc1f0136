package io.meshlane.control.store;

import java.util.List;

/** One page of a prefix listing; {@code more} tells whether keys after the last item remain. */
public record Page(List<StoredObject> items, long revision, boolean more) {
}
