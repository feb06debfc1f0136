package io.meshlane.control.xds;

import io.meshlane.control.registry.ServiceRegistry;

/**
 * The translation core, wired: changes go in through {@link #changes()}, are indexed ({@link #index()}) and translated into the
 * {@link #cache()}, whose change events first drop the stale {@link #views()} and then reach whoever
 * listens (the ADS streams); refused objects are in {@link #rejections()}, and what each TestLane covers is told
 * through {@link #laneCoverage()}.
 */
record MeshTranslation(MeshIndex index, MeshChanges changes, ResourceCache cache, NodeViews views, RejectionLog rejections,
        LaneCoverage laneCoverage) {

    static MeshTranslation of(ServiceRegistry registry) {
        return of(registry, MeshDefaults.defaults());
    }

    static MeshTranslation of(ServiceRegistry registry, MeshDefaults defaults) {
        MeshIndex index = new MeshIndex(defaults);
        Lanes lanes = new Lanes(registry);
        ResourceCache cache = new ResourceCache(registry, index, lanes);
        NodeViews views = new NodeViews(registry, cache, index);
        cache.onChange(views::invalidate);
        RejectionLog rejections = new RejectionLog();
        LaneCoverage coverage = new LaneCoverage();
        return new MeshTranslation(index, new MeshChanges(registry, index, lanes, cache, rejections, coverage), cache, views,
                rejections, coverage);
    }
}
