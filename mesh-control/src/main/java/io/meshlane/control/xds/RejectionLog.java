package io.meshlane.control.xds;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;

/** The objects the translator refused, oldest first, each logged once and told to the listeners. */
final class RejectionLog {
    private static final Logger LOG = Logger.getLogger(RejectionLog.class.getName());

    private final List<Rejection> rejections = new CopyOnWriteArrayList<>();
    private final List<Consumer<Rejection>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Notice>> noticeListeners = new CopyOnWriteArrayList<>();

    /**
     * A condition of an accepted object that says whether it takes effect anywhere ({@code problem} null: it does),
     * such as a Gateway whose selector matches no workload.
     */
    record Notice(String kind, String namespace, String name, String type, String reason, String problem) {
    }

    void reject(MeshObject o, String message) {
        LOG.warning("rejected " + o.kind() + " " + o.namespace() + "/" + o.name() + " at revision " + o.revision()
                + ": " + message + " (the last good version stays in force; fix the object and apply it again)");
        Rejection r = new Rejection(o.kind(), o.namespace(), o.name(), o.revision(), message, Instant.now());
        rejections.add(r);
        listeners.forEach(l -> l.accept(r));
    }

    List<Rejection> all() {
        return List.copyOf(rejections);
    }

    int size() {
        return rejections.size();
    }

    void onRejection(Consumer<Rejection> listener) {
        listeners.add(listener);
    }

    void notice(Notice n) {
        noticeListeners.forEach(l -> l.accept(n));
    }

    void onNotice(Consumer<Notice> listener) {
        noticeListeners.add(listener);
    }
}
