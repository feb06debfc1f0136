package io.meshlane.control.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.KindRegistry.Served;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import io.meshlane.control.store.CompactedException;
import io.meshlane.control.store.StoreEvent;
import io.meshlane.control.store.StoreException;
import io.meshlane.control.store.StoreWatcher;
import io.meshlane.control.store.WatchHandle;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * One client's watch: the initial ADDED events (when no resourceVersion was given), then the
 * store's changes filtered by the selectors, BOOKMARKs when asked for, and an ERROR event
 * with a 410 Status when the requested history was compacted. Ends on timeoutSeconds.
 */
public final class WatchStream implements StoreWatcher {

    private final Served served;
    private final ListQuery query;
    private final boolean table;
    private final WatchEncoder encoder;
    private final Sinks.Many<byte[]> sink = Sinks.many().unicast().onBackpressureBuffer();
    private volatile WatchHandle handle;
    private volatile long lastRevision;
    private volatile boolean ended;
    private ScheduledFuture<?> bookmarks;
    private ScheduledFuture<?> timeout;

    public WatchStream(Served served, ListQuery query, boolean table, WatchEncoder encoder) {
        this.served = served;
        this.query = query;
        this.table = table;
        this.encoder = encoder;
    }

    /**
     * The watch lines. It starts with an empty chunk so that the response headers go out at once,
     * as the apiserver's do, instead of waiting for the first change.
     */
    public Flux<byte[]> flux() {
        return Flux.concat(Flux.just(new byte[0]), sink.asFlux()).doFinally(signal -> stop());
    }

    /** Sends the listing's objects as ADDED, as the apiserver does for a watch without resourceVersion. */
    public void initial(List<ObjectNode> objects, long revision) {
        lastRevision = revision;
        for (ObjectNode o : objects) {
            emit(WatchEncoder.line("ADDED", table ? TableView.table(served, List.of(o), null, null, true) : o));
        }
    }

    public void start(WatchHandle handle, ScheduledExecutorService timer, long bookmarkMillis) {
        this.handle = handle;
        if (query.allowBookmarks()) {
            bookmarks = timer.scheduleAtFixedRate(this::bookmark, bookmarkMillis, bookmarkMillis, TimeUnit.MILLISECONDS);
        }
        if (query.timeoutSeconds() > 0) {
            timeout = timer.schedule(() -> end(null), query.timeoutSeconds(), TimeUnit.SECONDS);
        }
        if (ended) {
            stop();
        }
    }

    public void startFrom(long revision) {
        lastRevision = revision;
    }

    private void bookmark() {
        ObjectNode object = Json.object();
        object.put("kind", served.kind().kind()).put("apiVersion", served.kind().apiVersion(served.version().name()));
        object.putObject("metadata").put("resourceVersion", Long.toString(lastRevision))
                .putObject("annotations").put("k8s.io/initial-events-end", "true");
        emit(WatchEncoder.line("BOOKMARK", object));
    }

    /**
     * With a selector, an object that starts matching arrives as ADDED and one that stops matching
     * as DELETED with its last matching state (at the change's resourceVersion), as the apiserver's
     * watch cache sends them; the others pass or are dropped.
     */
    @Override
    public void onEvent(StoreEvent event) {
        lastRevision = event.revision();
        if (query.labels().requirements().isEmpty() && query.fields().requirements().isEmpty()) {
            emit(encoder.line(served, event, table));
            return;
        }
        boolean now = event.type() != StoreEvent.Type.DELETED && query.matches(encoder.object(served, event));
        ObjectNode before = event.type() == StoreEvent.Type.CREATED || event.prevValue() == null ? null : previous(event);
        boolean was = event.type() == StoreEvent.Type.DELETED ? query.matches(encoder.object(served, event))
                : before != null ? query.matches(before) : event.type() == StoreEvent.Type.UPDATED && now;
        if (now && was) {
            emit(encoder.line(served, event, table));
        } else if (now) {
            emit(line("ADDED", encoder.object(served, event)));
        } else if (was) {
            emit(event.type() == StoreEvent.Type.DELETED ? encoder.line(served, event, table) : line("DELETED", before));
        }
    }

    private ObjectNode previous(StoreEvent event) {
        return encoder.previous(served, event);
    }

    private byte[] line(String type, ObjectNode object) {
        return WatchEncoder.line(type, table ? TableView.table(served, List.of(object), null, null, true) : object);
    }

    @Override
    public void onClosed(StoreException reason) {
        end(reason);
    }

    /** Ends the stream; a compaction becomes a 410 ERROR event so that clients re-list. */
    public void end(StoreException reason) {
        if (reason instanceof CompactedException c) {
            emit(WatchEncoder.line("ERROR", ApiError.gone("too old resource version: " + (c.compactedRevision())
                    + " (the history was compacted; list again and watch from the list's resourceVersion)").status()));
        } else if (reason != null) {
            emit(WatchEncoder.line("ERROR", new ApiError(500, "InternalError", "the watch ended: " + reason.getMessage()
                    + "; watch again from the last resourceVersion you saw", null).status()));
        }
        synchronized (this) {
            ended = true;
            sink.tryEmitComplete();
        }
        stop();
    }

    private synchronized void emit(byte[] line) {
        if (!ended) {
            sink.tryEmitNext(line);
        }
    }

    private void stop() {
        ended = true;
        if (bookmarks != null) {
            bookmarks.cancel(false);
        }
        if (timeout != null) {
            timeout.cancel(false);
        }
        WatchHandle h = handle;
        if (h != null) {
            h.close();
        }
    }
}
