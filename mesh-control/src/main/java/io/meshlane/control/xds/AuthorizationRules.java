package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * AuthorizationPolicies → Envoy's RBAC, with Istio's semantics: a request is refused when a DENY policy
 * matches; then, when any ALLOW policy applies to the workload, it must match one of them (an ALLOW policy
 * without rules matches nothing, so it denies everything). One policy is an OR of its rules; a rule
 * matches when one of its {@code from} sources, one of its {@code to} operations and every {@code when}
 * condition match; inside a source or operation every field must match one of its values. Values take
 * Istio's wildcards ({@code *}, {@code prefix*}, {@code *suffix}). The same config serves Envoy's
 * {@code envoy.filters.http.rbac} and grpc-java's xDS RBAC (gRFC A41), which reads the HTTP filter in a
 * server Listener's connection manager; for TCP chains, {@code envoy.filters.network.rbac} gets the rules
 * without HTTP-only fields: an ALLOW rule that needs one is dropped (it can never match a TCP connection),
 * a DENY rule keeps its other conditions (it denies more, never less). AUDIT and CUSTOM are not translated
 * (the field table refuses them and {@code kubectl apply} warns).
 */
final class AuthorizationRules {
    static final String HTTP_FILTER = "envoy.filters.http.rbac";
    static final String NETWORK_FILTER = "envoy.filters.network.rbac";
    private static final Set<String> HTTP_ONLY_WHEN = Set.of("request.headers", "request.auth.principal", "request.auth.audiences",
            "request.auth.presenter", "request.auth.claims");

    private final RBAC deny;
    private final RBAC allow;

    private AuthorizationRules(RBAC deny, RBAC allow) {
        this.deny = deny;
        this.allow = allow;
    }

    /** The rules of the policies that apply to one workload; throws {@link TranslationException} on a value Envoy cannot take. */
    static AuthorizationRules of(List<MeshObject> policies, boolean tcp) {
        TreeMap<String, Policy> denies = new TreeMap<>();
        TreeMap<String, Policy> allows = new TreeMap<>();
        boolean anyAllow = false;
        for (MeshObject p : policies) {
            String action = p.spec().path("action").asText("ALLOW").toUpperCase(Locale.ROOT);
            if (!action.equals("ALLOW") && !action.equals("DENY")) {
                continue; // AUDIT and CUSTOM: refused by the field table, never enforced
            }
            anyAllow |= action.equals("ALLOW");
            int i = 0;
            for (JsonNode rule : p.spec().path("rules")) {
                String name = "ns[" + p.namespace() + "]-policy[" + p.name() + "]-rule[" + i + "]";
                Policy policy = policy(rule, "AuthorizationPolicy " + p.namespace() + "/" + p.name() + " spec.rules[" + i + "]",
                        tcp, action.equals("DENY"));
                if (policy != null) {
                    (action.equals("DENY") ? denies : allows).put(name, policy);
                }
                i++;
            }
        }
        RBAC deny = denies.isEmpty() ? null : RBAC.newBuilder().setAction(RBAC.Action.DENY).putAllPolicies(denies).build();
        RBAC allow = anyAllow ? RBAC.newBuilder().setAction(RBAC.Action.ALLOW).putAllPolicies(allows).build() : null;
        return new AuthorizationRules(deny, allow);
    }

    /** Checks every policy value (ports, CIDRs, keys) of one AuthorizationPolicy. */
    static void validate(MeshObject policy) {
        String action = policy.spec().path("action").asText("ALLOW").toUpperCase(Locale.ROOT);
        if (!action.equals("ALLOW") && !action.equals("DENY")) {
            throw new TranslationException("AuthorizationPolicy " + MeshIndex.key(policy) + " spec.action: \"" + action
                    + "\" is not enforced by meshlane (ALLOW and DENY are); this policy has no effect");
        }
        of(List.of(policy), false);
        of(List.of(policy), true);
    }

    boolean isEmpty() {
        return deny == null && allow == null;
    }

    /** The HTTP filters to put before the router: DENY first, then ALLOW, as Istio orders them. */
    List<HttpFilter> httpFilters() {
        List<HttpFilter> out = new ArrayList<>();
        if (deny != null) {
            out.add(HttpFilter.newBuilder().setName(HTTP_FILTER + ".DENY").setTypedConfig(Any.pack(
                    io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(deny).build())).build());
        }
        if (allow != null) {
            out.add(HttpFilter.newBuilder().setName(HTTP_FILTER).setTypedConfig(Any.pack(
                    io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(allow).build())).build());
        }
        return out;
    }

    /** The network filters to put before tcp_proxy on a TCP chain (built with {@code tcp}). */
    List<Filter> networkFilters(String statPrefix) {
        List<Filter> out = new ArrayList<>();
        for (RBAC rules : new RBAC[] {deny, allow}) {
            if (rules != null) {
                out.add(Filter.newBuilder().setName(NETWORK_FILTER).setTypedConfig(Any.pack(
                        io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder().setStatPrefix(statPrefix)
                                .setRules(rules).build())).build());
            }
        }
        return out;
    }

    /** One rule as an Envoy policy, or null when a TCP ALLOW rule needs HTTP fields. */
    private static Policy policy(JsonNode rule, String field, boolean tcp, boolean denyRule) {
        List<Permission> whenPermissions = new ArrayList<>();
        List<Principal> whenPrincipals = new ArrayList<>();
        int c = 0;
        for (JsonNode when : rule.path("when")) {
            String at = field + ".when[" + c++ + "]";
            String key = when.path("key").asText("");
            String base = key.contains("[") ? key.substring(0, key.indexOf('[')) : key;
            if (tcp && HTTP_ONLY_WHEN.contains(base)) {
                if (!denyRule) {
                    return null;
                }
                continue;
            }
            condition(key, when, at, whenPermissions, whenPrincipals);
        }
        List<Permission> permissions = new ArrayList<>();
        int t = 0;
        for (JsonNode to : rule.path("to")) {
            List<Permission> and = operation(to.path("operation"), field + ".to[" + t++ + "].operation", tcp, denyRule);
            if (and == null) {
                continue;
            }
            and.addAll(whenPermissions);
            permissions.add(andPermission(and));
        }
        if (!rule.path("to").isEmpty() && permissions.isEmpty()) {
            return null; // every operation needed HTTP on a TCP chain
        }
        if (permissions.isEmpty()) {
            permissions.add(andPermission(whenPermissions));
        }
        List<Principal> principals = new ArrayList<>();
        int f = 0;
        for (JsonNode from : rule.path("from")) {
            List<Principal> and = source(from.path("source"), field + ".from[" + f++ + "].source");
            and.addAll(whenPrincipals);
            principals.add(andPrincipal(and));
        }
        if (principals.isEmpty()) {
            principals.add(andPrincipal(whenPrincipals));
        }
        return Policy.newBuilder().addAllPermissions(permissions).addAllPrincipals(principals).build();
    }

    /** The AND of one operation's fields; null when it needs HTTP on a TCP ALLOW chain. */
    private static List<Permission> operation(JsonNode op, String field, boolean tcp, boolean denyRule) {
        List<Permission> and = new ArrayList<>();
        for (String http : List.of("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths")) {
            if (!op.path(http).isArray()) {
                continue;
            }
            if (tcp) {
                if (!denyRule) {
                    return null;
                }
                continue;
            }
            Function<String, Permission> one = switch (http) {
                case "hosts", "notHosts" -> v -> Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(":authority")
                        .setStringMatch(string(v, true))).build();
                case "methods", "notMethods" -> v -> Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(":method")
                        .setStringMatch(string(v, false))).build();
                default -> v -> Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(string(v, false))).build();
            };
            addValues(op.path(http), http.startsWith("not"), one, and);
        }
        for (String ports : List.of("ports", "notPorts")) {
            if (op.path(ports).isArray()) {
                addValues(op.path(ports), ports.startsWith("not"), v -> Permission.newBuilder()
                        .setDestinationPort(port(v, field + "." + ports)).build(), and);
            }
        }
        return and;
    }

    /** The AND of one source's fields. */
    private static List<Principal> source(JsonNode src, String field) {
        List<Principal> and = new ArrayList<>();
        for (String name : List.of("principals", "notPrincipals")) {
            addPrincipals(src.path(name), name.startsWith("not"), AuthorizationRules::principal, and);
        }
        for (String name : List.of("namespaces", "notNamespaces")) {
            addPrincipals(src.path(name), name.startsWith("not"), AuthorizationRules::namespace, and);
        }
        for (String name : List.of("ipBlocks", "notIpBlocks")) {
            addPrincipals(src.path(name), name.startsWith("not"), v -> Principal.newBuilder()
                    .setDirectRemoteIp(cidr(v, field + "." + name)).build(), and);
        }
        for (String name : List.of("remoteIpBlocks", "notRemoteIpBlocks")) {
            addPrincipals(src.path(name), name.startsWith("not"), v -> Principal.newBuilder()
                    .setRemoteIp(cidr(v, field + "." + name)).build(), and);
        }
        return and;
    }

    /** One {@code when} condition, as a permission (about the destination) or a principal (about the source). */
    private static void condition(String key, JsonNode when, String at, List<Permission> permissions, List<Principal> principals) {
        JsonNode values = when.path("values");
        JsonNode notValues = when.path("notValues");
        if (!values.isArray() && !notValues.isArray()) {
            throw new TranslationException(at + ": values or notValues is required");
        }
        Function<String, Principal> principal = null;
        Function<String, Permission> permission = null;
        if (key.startsWith("request.headers[") && key.endsWith("]")) {
            String header = key.substring("request.headers[".length(), key.length() - 1).toLowerCase(Locale.ROOT);
            if (header.isEmpty()) {
                throw new TranslationException(at + ".key: request.headers[] needs a header name");
            }
            principal = v -> Principal.newBuilder().setHeader(header(header, v)).build();
        } else {
            switch (key) {
                case "source.ip" -> principal = v -> Principal.newBuilder().setDirectRemoteIp(cidr(v, at + ".values")).build();
                case "remote.ip" -> principal = v -> Principal.newBuilder().setRemoteIp(cidr(v, at + ".values")).build();
                case "source.namespace" -> principal = AuthorizationRules::namespace;
                case "source.principal" -> principal = AuthorizationRules::principal;
                case "destination.port" -> permission = v -> Permission.newBuilder().setDestinationPort(port(v, at + ".values")).build();
                case "destination.ip" -> permission = v -> Permission.newBuilder().setDestinationIp(cidr(v, at + ".values")).build();
                case "connection.sni" -> permission = v -> Permission.newBuilder().setRequestedServerName(string(v, false)).build();
                default -> throw new TranslationException(at + ".key: '" + key + "' is not a condition meshlane translates"
                        + " (request.headers[...], source.ip, remote.ip, source.namespace, source.principal, destination.port,"
                        + " destination.ip, connection.sni)");
            }
        }
        if (principal != null) {
            addPrincipals(values, false, principal, principals);
            addPrincipals(notValues, true, principal, principals);
        } else {
            addValues(values, false, permission, permissions);
            addValues(notValues, true, permission, permissions);
        }
    }

    private static void addValues(JsonNode values, boolean negate, Function<String, Permission> one, List<Permission> and) {
        if (!values.isArray() || values.isEmpty()) {
            return;
        }
        List<Permission> or = new ArrayList<>();
        values.forEach(v -> or.add(one.apply(v.asText())));
        Permission any = or.size() == 1 ? or.getFirst()
                : Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addAllRules(or)).build();
        and.add(negate ? Permission.newBuilder().setNotRule(any).build() : any);
    }

    private static void addPrincipals(JsonNode values, boolean negate, Function<String, Principal> one, List<Principal> and) {
        if (!values.isArray() || values.isEmpty()) {
            return;
        }
        List<Principal> or = new ArrayList<>();
        values.forEach(v -> or.add(one.apply(v.asText())));
        Principal any = or.size() == 1 ? or.getFirst()
                : Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(or)).build();
        and.add(negate ? Principal.newBuilder().setNotId(any).build() : any);
    }

    private static Permission andPermission(List<Permission> and) {
        if (and.isEmpty()) {
            return Permission.newBuilder().setAny(true).build();
        }
        return and.size() == 1 ? and.getFirst() : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(and)).build();
    }

    private static Principal andPrincipal(List<Principal> and) {
        if (and.isEmpty()) {
            return Principal.newBuilder().setAny(true).build();
        }
        return and.size() == 1 ? and.getFirst() : Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(and)).build();
    }

    /** A peer's SPIFFE identity ({@code cluster.local/ns/default/sa/sleep} → {@code spiffe://cluster.local/ns/default/sa/sleep}). */
    private static Principal principal(String value) {
        StringMatcher m = value.equals("*") ? StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(".+")).build()
                : string("spiffe://" + value, false);
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(m)).build();
    }

    /** A peer's namespace, read from its SPIFFE identity ({@code .../ns/<namespace>/...}). */
    private static Principal namespace(String value) {
        String[] literal = value.split("\\*", -1);
        List<String> quoted = new ArrayList<>();
        for (String part : literal) {
            quoted.add(part.isEmpty() ? "" : Pattern.quote(part));
        }
        String regex = ".*/ns/" + String.join(".*", quoted) + "/.*";
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(
                StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(regex)))).build();
    }

    private static HeaderMatcher header(String name, String value) {
        HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(name);
        return value.equals("*") ? h.setPresentMatch(true).build() : h.setStringMatch(string(value, false)).build();
    }

    /** Istio's value wildcards: {@code *} any non-empty value, {@code prefix*}, {@code *suffix}, else exact. */
    static StringMatcher string(String value, boolean ignoreCase) {
        StringMatcher.Builder m = StringMatcher.newBuilder().setIgnoreCase(ignoreCase);
        if (value.equals("*")) {
            return m.setSafeRegex(RegexMatcher.newBuilder().setRegex(".+")).build();
        } else if (value.endsWith("*")) {
            return m.setPrefix(value.substring(0, value.length() - 1)).build();
        } else if (value.startsWith("*")) {
            return m.setSuffix(value.substring(1)).build();
        }
        return m.setExact(value).build();
    }

    private static int port(String value, String field) {
        try {
            int p = Integer.parseInt(value.trim());
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new TranslationException(field + ": '" + value + "' is not a port number (0-65535)");
        }
    }

    private static CidrRange cidr(String value, String field) {
        String v = value.trim();
        int slash = v.indexOf('/');
        String address = slash < 0 ? v : v.substring(0, slash);
        if (!address.matches("[0-9a-fA-F:.]+")) {
            throw new TranslationException(field + ": '" + value + "' is not an IP address or CIDR block (10.0.0.0/8, 2001:db8::/32)");
        }
        try {
            InetAddress parsed = InetAddress.getByName(address);
            int max = parsed.getAddress().length * 8;
            int prefix = slash < 0 ? max : Integer.parseInt(v.substring(slash + 1));
            if (prefix < 0 || prefix > max) {
                throw new NumberFormatException();
            }
            return CidrRange.newBuilder().setAddressPrefix(address).setPrefixLen(UInt32Value.of(prefix)).build();
        } catch (UnknownHostException | NumberFormatException e) {
            throw new TranslationException(field + ": '" + value + "' is not an IP address or CIDR block (10.0.0.0/8, 2001:db8::/32)");
        }
    }
}
