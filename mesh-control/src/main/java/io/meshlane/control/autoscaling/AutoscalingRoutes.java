package io.meshlane.control.autoscaling;

import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.ApiRequest;
import io.meshlane.control.http.ApiResponse;
import io.meshlane.control.http.MountedRoutes;
import io.meshlane.control.security.Identity;

/**
 * {@code GET /autoscaling/v1/history}: every MetricAutoscaler's recent evaluations (replicas and each metric's
 * value over time), which the dashboard plots. Only the engine that evaluates (the leader) has them; another
 * replica answers with an empty list.
 */
public final class AutoscalingRoutes implements MountedRoutes {

    private static final String HISTORY = "/autoscaling/v1/history";

    private final AutoscalingEngine engine;

    public AutoscalingRoutes(AutoscalingEngine engine) {
        this.engine = engine;
    }

    @Override
    public ApiResponse handle(ApiRequest request, Identity who, String path) {
        if (!path.equals(HISTORY)) {
            throw ApiError.notFoundPath(path + " (the autoscaling engine serves " + HISTORY + ")");
        }
        if (!request.method().equals("GET")) {
            throw ApiError.methodNotAllowed(request.method() + " " + path + " (it is read-only)");
        }
        return ApiResponse.json(200, engine.history());
    }
}
