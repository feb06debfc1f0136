package io.meshlane.control.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.KindRegistry.Served;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import io.meshlane.control.store.CompactedException;
import io.meshlane.control.store.Page;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoredObject;
import java.util.ArrayList;
import java.util.List;

/** Lists a collection with selectors and limit/continue paging. */
public final class ResourceLister {

    /** Matching objects, the list's resourceVersion and the continue token (null when complete). */
    public record Listing(List<ObjectNode> items, long revision, String continueToken) {
    }

    private final ResourceStore store;

    public ResourceLister(ResourceStore store) {
        this.store = store;
    }

    public Listing list(Served s, String namespace, ListQuery query) {
        String prefix = s.kind().keyPrefix(namespace);
        String after = query.continueKey();
        int pageSize = query.limit() > 0 ? Math.max(query.limit(), 50) : 0;
        List<ObjectNode> items = new ArrayList<>();
        // every page of a paginated list reads the snapshot of its first page; a token past compaction
        // carries revision -1 (the apiserver's inconsistent continuation): it reads the present, and
        // its next pages that snapshot
        long revision = Math.max(query.continueRevision(), 0);
        while (true) {
            Page page;
            try {
                page = store.list(prefix, after, pageSize, revision);
            } catch (CompactedException e) {
                throw ApiError.continueExpired(ListQuery.continueToken(query.continueKey(), -1));
            }
            revision = page.revision();
            List<StoredObject> objects = page.items();
            for (int i = 0; i < objects.size(); i++) {
                StoredObject o = objects.get(i);
                ObjectNode view = ResourceService.view(s, o);
                if (query.matches(view)) {
                    items.add(view);
                    if (query.limit() > 0 && items.size() == query.limit()) {
                        boolean more = i < objects.size() - 1 || page.more();
                        return new Listing(items, revision, more ? ListQuery.continueToken(o.key(), revision) : null);
                    }
                }
            }
            if (!page.more() || objects.isEmpty()) {
                return new Listing(items, revision, null);
            }
            after = objects.getLast().key();
        }
    }

    public static ObjectNode render(Served s, Listing listing) {
        ObjectNode list = Json.object();
        list.put("apiVersion", s.kind().apiVersion(s.version().name()));
        list.put("kind", s.kind().listKind());
        ObjectNode meta = list.putObject("metadata");
        meta.put("resourceVersion", Long.toString(listing.revision()));
        if (listing.continueToken() != null) {
            meta.put("continue", listing.continueToken());
        }
        list.putArray("items").addAll(listing.items());
        return list;
    }
}
