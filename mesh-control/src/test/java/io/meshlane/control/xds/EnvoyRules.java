package io.meshlane.control.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.pgv.validate.Validate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Envoy's own constraints on its configuration, read from the protoc-gen-validate annotations
 * ({@code validate.rules}, {@code validate.required}) that the Envoy API descriptors carry: the checks
 * Envoy makes before it accepts a resource. Envoy cannot run here; this stands in for its validation and
 * walks every field, into {@link Any} payloads of the types meshlane generates.
 */
final class EnvoyRules {
    private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");
    private static final Pattern HEADER_VALUE_STRICT = Pattern.compile("^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*$");
    private static final TypeRegistry TYPES = TypeRegistry.newBuilder()
            .add(List.of(HttpConnectionManager.getDescriptor(), Router.getDescriptor(), HTTPFault.getDescriptor(),
                    UpstreamTlsContext.getDescriptor(), Listener.getDescriptor(), RouteConfiguration.getDescriptor(),
                    Cluster.getDescriptor(), ClusterLoadAssignment.getDescriptor(), TcpProxy.getDescriptor(), OriginalDst.getDescriptor(),
                    io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor(),
                    io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor(),
                    io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor(),
                    io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor()))
            .build();
    private static final ExtensionRegistry EXTENSIONS = ExtensionRegistry.newInstance();

    static {
        Validate.registerAllExtensions(EXTENSIONS);
    }

    private EnvoyRules() {
    }

    /** Every rule {@code resource} breaks, as {@code Type.field.sub: what}; empty when Envoy would accept it. */
    static List<String> violations(Message resource) {
        List<String> out = new ArrayList<>();
        message(resource, resource.getDescriptorForType().getName(), out);
        return out;
    }

    private static void message(Message m, String path, List<String> out) {
        Descriptor d = m.getDescriptorForType();
        for (OneofDescriptor o : d.getRealOneofs()) {
            if (o.getOptions().getExtension(Validate.required) && !m.hasOneof(o)) {
                out.add(path + ": one of " + o.getName() + " is required");
            }
        }
        for (FieldDescriptor f : d.getFields()) {
            Validate.FieldRules rules = f.getOptions().getExtension(Validate.rules);
            String at = path + "." + f.getName();
            if (f.getRealContainingOneof() != null && !m.hasField(f)) {
                continue;
            }
            if (f.isMapField()) {
                int pairs = m.getRepeatedFieldCount(f);
                if (rules.getMap().hasMinPairs() && pairs < rules.getMap().getMinPairs()) {
                    out.add(at + ": needs at least " + rules.getMap().getMinPairs() + " entries, has " + pairs);
                }
                for (int i = 0; i < pairs; i++) {
                    Message entry = (Message) m.getRepeatedField(f, i);
                    FieldDescriptor value = entry.getDescriptorForType().findFieldByName("value");
                    if (value.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                        message((Message) entry.getField(value), at + "[" + entry.getField(entry.getDescriptorForType().findFieldByName("key")) + "]", out);
                    }
                }
            } else if (f.isRepeated()) {
                repeated(m, f, rules, at, out);
            } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (!m.hasField(f)) {
                    if (rules.getMessage().getRequired() || rules.getDuration().getRequired() || rules.getAny().getRequired()) {
                        out.add(at + ": is required");
                    }
                } else {
                    value(m.getField(f), f, rules, at, out);
                }
            } else {
                value(m.getField(f), f, rules, at, out);
            }
        }
    }

    private static void repeated(Message m, FieldDescriptor f, Validate.FieldRules rules, String at, List<String> out) {
        int n = m.getRepeatedFieldCount(f);
        Validate.RepeatedRules r = rules.getRepeated();
        if (r.hasMinItems() && n < r.getMinItems()) {
            out.add(at + ": needs at least " + r.getMinItems() + " items, has " + n);
        }
        if (r.hasMaxItems() && n > r.getMaxItems()) {
            out.add(at + ": allows at most " + r.getMaxItems() + " items, has " + n);
        }
        Set<Object> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Object item = m.getRepeatedField(f, i);
            if (r.getUnique() && !seen.add(item)) {
                out.add(at + "[" + i + "]: repeats an earlier item");
            }
            value(item, f, r.getItems(), at + "[" + i + "]", out);
        }
    }

    private static void value(Object raw, FieldDescriptor f, Validate.FieldRules rules, String at, List<String> out) {
        Object v = wellKnown(raw);
        switch (rules.getTypeCase()) {
            case STRING -> string((String) v, rules.getString(), at, out);
            case ENUM -> {
                EnumValueDescriptor e = (EnumValueDescriptor) v;
                if (rules.getEnum().getDefinedOnly() && e.getIndex() < 0) {
                    out.add(at + ": " + e.getNumber() + " is not a defined " + f.getEnumType().getName());
                }
            }
            case DURATION -> duration((Duration) v, rules.getDuration(), at, out);
            case ANY -> {
                Validate.AnyRules a = rules.getAny();
                String url = ((Any) v).getTypeUrl();
                if (a.getInCount() > 0 && !a.getInList().contains(url)) {
                    out.add(at + ": type " + url + " is not one of " + a.getInList());
                }
            }
            case TYPE_NOT_SET, REPEATED, MAP, TIMESTAMP, BOOL, BYTES -> { }
            default -> number(v, rules, at, out);
        }
        if (v instanceof Any any) {
            unpack(any, at, out);
        } else if (v instanceof Message inner && !rules.getMessage().getSkip()) {
            message(inner, at, out);
        }
    }

    /** Any and Duration inside a payload parsed as a DynamicMessage, as their generated types. */
    private static Object wellKnown(Object v) {
        if (v instanceof DynamicMessage m) {
            try {
                return switch (m.getDescriptorForType().getFullName()) {
                    case "google.protobuf.Any" -> Any.parseFrom(m.toByteString());
                    case "google.protobuf.Duration" -> Duration.parseFrom(m.toByteString());
                    default -> v;
                };
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        }
        return v;
    }

    /** The numeric rules share their field names (const, lt, lte, gt, gte, in, not_in) across every width. */
    private static void number(Object v, Validate.FieldRules rules, String at, List<String> out) {
        Message r = (Message) rules.getField(rules.getOneofFieldDescriptor(rules.getDescriptorForType().getOneofs().getFirst()));
        double x = v instanceof Message wrapper ? ((Number) wrapper.getField(wrapper.getDescriptorForType().findFieldByName("value"))).doubleValue()
                : ((Number) v).doubleValue();
        for (Map.Entry<FieldDescriptor, Object> e : r.getAllFields().entrySet()) {
            String name = e.getKey().getName();
            if (e.getKey().isRepeated()) {
                List<?> values = (List<?>) e.getValue();
                boolean listed = values.stream().anyMatch(o -> ((Number) o).doubleValue() == x);
                if (name.equals("in") && !listed || name.equals("not_in") && listed) {
                    out.add(at + ": " + v + " must " + (name.equals("in") ? "" : "not ") + "be one of " + values);
                }
                continue;
            }
            if (!(e.getValue() instanceof Number bound)) {
                continue;
            }
            double b = bound.doubleValue();
            boolean ok = switch (name) {
                case "const" -> x == b;
                case "lt" -> x < b;
                case "lte" -> x <= b;
                case "gt" -> x > b;
                case "gte" -> x >= b;
                default -> true;
            };
            if (!ok) {
                out.add(at + ": " + v + " breaks " + name + " " + bound);
            }
        }
    }

    private static void string(String s, Validate.StringRules r, String at, List<String> out) {
        if (r.getIgnoreEmpty() && s.isEmpty()) {
            return;
        }
        long chars = s.codePointCount(0, s.length());
        long bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (r.hasMinLen() && chars < r.getMinLen() || r.hasMinBytes() && bytes < r.getMinBytes()) {
            out.add(at + ": \"" + s + "\" is shorter than allowed (min_len " + r.getMinLen() + ", min_bytes " + r.getMinBytes() + ")");
        }
        if (r.hasMaxLen() && chars > r.getMaxLen() || r.hasMaxBytes() && bytes > r.getMaxBytes()) {
            out.add(at + ": is longer than allowed");
        }
        if (r.hasPrefix() && !s.startsWith(r.getPrefix()) || r.hasSuffix() && !s.endsWith(r.getSuffix())
                || r.hasContains() && !s.contains(r.getContains()) || r.getInCount() > 0 && !r.getInList().contains(s)) {
            out.add(at + ": \"" + s + "\" breaks a string rule " + r);
        }
        if (r.hasWellKnownRegex()) {
            boolean strict = !r.hasStrict() || r.getStrict();
            boolean ok = switch (r.getWellKnownRegex()) {
                case HTTP_HEADER_NAME -> !strict ? !s.contains("\0") && !s.contains("\r") && !s.contains("\n") : HEADER_NAME.matcher(s).matches();
                case HTTP_HEADER_VALUE -> !strict ? !s.contains("\0") && !s.contains("\r") && !s.contains("\n") : HEADER_VALUE_STRICT.matcher(s).matches();
                default -> true;
            };
            if (!ok) {
                out.add(at + ": \"" + s + "\" is not a valid " + r.getWellKnownRegex());
            }
        }
    }

    private static void duration(Duration d, Validate.DurationRules r, String at, List<String> out) {
        long nanos = d.getSeconds() * 1_000_000_000L + d.getNanos();
        if (r.hasGt() && !(nanos > nanos(r.getGt())) || r.hasGte() && !(nanos >= nanos(r.getGte()))
                || r.hasLt() && !(nanos < nanos(r.getLt())) || r.hasLte() && !(nanos <= nanos(r.getLte()))) {
            out.add(at + ": duration " + d.getSeconds() + "s" + d.getNanos() + "ns is outside " + r);
        }
    }

    private static long nanos(Duration d) {
        return d.getSeconds() * 1_000_000_000L + d.getNanos();
    }

    private static void unpack(Any any, String at, List<String> out) {
        try {
            Descriptor type = TYPES.getDescriptorForTypeUrl(any.getTypeUrl());
            if (type == null) {
                out.add(at + ": " + any.getTypeUrl() + " is a type these checks do not know; add it to EnvoyRules.TYPES");
                return;
            }
            message(DynamicMessage.parseFrom(type, any.getValue(), EXTENSIONS), at + "<" + type.getName() + ">", out);
        } catch (InvalidProtocolBufferException e) {
            out.add(at + ": the " + any.getTypeUrl() + " payload does not parse: " + e.getMessage());
        }
    }
}
