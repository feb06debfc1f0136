package io.meshlane.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlane.control.crd.FieldError;
import io.meshlane.control.crd.ResourceKind;
import io.meshlane.control.crd.SemanticCheck;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Istio's webhook checks that the CRD schemas cannot express, for networking.istio.io kinds:
 * destination weights summing to 0, duplicate hosts or subsets, route together with redirect,
 * distribute together with failover, locality weights not summing to 100.
 */
public final class NetworkingChecks implements SemanticCheck {

    @Override
    public boolean appliesTo(ResourceKind kind) {
        return kind.group().equals("networking.istio.io");
    }

    @Override
    public List<FieldError> check(JsonNode object) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode spec = object.path("spec");
        switch (object.path("kind").asText()) {
            case "VirtualService" -> virtualService(spec, errors);
            case "DestinationRule" -> destinationRule(spec, errors);
            case "ServiceEntry", "Sidecar" -> duplicates(spec.path("hosts"), "spec.hosts", errors);
            case "Gateway" -> {
                JsonNode servers = spec.path("servers");
                for (int i = 0; i < servers.size(); i++) {
                    duplicates(servers.get(i).path("hosts"), "spec.servers[" + i + "].hosts", errors);
                }
            }
            default -> { }
        }
        return errors;
    }

    private static FieldError invalid(String field, String message) {
        return new FieldError(field, "FieldValueInvalid", "Invalid value: \"object\": " + message);
    }

    private static void duplicates(JsonNode hosts, String field, List<FieldError> errors) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < hosts.size(); i++) {
            if (!seen.add(hosts.get(i).asText())) {
                errors.add(FieldError.duplicate(field + "[" + i + "]", "\"" + hosts.get(i).asText() + "\""));
            }
        }
    }

    private static void virtualService(JsonNode spec, List<FieldError> errors) {
        duplicates(spec.path("hosts"), "spec.hosts", errors);
        JsonNode http = spec.path("http");
        for (int i = 0; i < http.size(); i++) {
            JsonNode route = http.get(i);
            String field = "spec.http[" + i + "]";
            if (route.has("route") && route.has("redirect")) {
                errors.add(invalid(field, "HTTP route cannot contain both route and redirect"));
            }
            if (route.has("redirect") && route.has("directResponse")) {
                errors.add(invalid(field, "HTTP route cannot contain both redirect and directResponse"));
            }
            weights(route.path("route"), field + ".route", errors);
        }
        for (String protocol : List.of("tcp", "tls")) {
            JsonNode routes = spec.path(protocol);
            for (int i = 0; i < routes.size(); i++) {
                weights(routes.get(i).path("route"), "spec." + protocol + "[" + i + "].route", errors);
            }
        }
    }

    private static void weights(JsonNode destinations, String field, List<FieldError> errors) {
        if (DestinationWeights.routeNowhere(destinations)) {
            errors.add(invalid(field, "total destination weight = 0; " + DestinationWeights.FIX));
        }
    }

    private static void destinationRule(JsonNode spec, List<FieldError> errors) {
        JsonNode subsets = spec.path("subsets");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < subsets.size(); i++) {
            String name = subsets.get(i).path("name").asText();
            if (!names.add(name)) {
                errors.add(FieldError.duplicate("spec.subsets[" + i + "].name", "\"" + name + "\""));
            }
        }
        locality(spec.path("trafficPolicy").path("loadBalancer").path("localityLbSetting"),
                "spec.trafficPolicy.loadBalancer.localityLbSetting", errors);
    }

    private static void locality(JsonNode setting, String field, List<FieldError> errors) {
        if (setting.isMissingNode()) {
            return;
        }
        JsonNode distribute = setting.path("distribute");
        if (distribute.size() > 0 && setting.path("failover").size() > 0) {
            errors.add(invalid(field, "can not simultaneously set 'distribute' and 'failover'"));
        }
        for (int i = 0; i < distribute.size(); i++) {
            long total = 0;
            var to = distribute.get(i).path("to").fields();
            while (to.hasNext()) {
                total += to.next().getValue().asLong(0);
            }
            if (total != 100) {
                errors.add(invalid(field + ".distribute[" + i + "].to", "total locality weight " + total + " != 100"));
            }
        }
    }
}
