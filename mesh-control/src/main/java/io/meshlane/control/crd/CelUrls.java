package io.meshlane.control.crd;

import dev.cel.checker.CelCheckerBuilder;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompilerLibrary;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntimeBuilder;
import dev.cel.runtime.CelRuntimeLibrary;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' URL library for CEL: {@code url(s)}, {@code isURL(s)} and the accessors. A URL is
 * an absolute URI or an absolute path, as the OpenAPI {@code uri} format (a request URI) demands.
 */
final class CelUrls implements CelCompilerLibrary, CelRuntimeLibrary {

    /** The value of {@code url(string)} in rules. */
    record Url(URI uri) {
    }

    private static final OpaqueType URL = OpaqueType.create("kubernetes.URL");

    @Override
    public void setCheckerOptions(CelCheckerBuilder checker) {
        checker.addFunctionDeclarations(
                CelFunctionDecl.newFunctionDeclaration("isURL",
                        CelOverloadDecl.newGlobalOverload("is_url_string", SimpleType.BOOL, SimpleType.STRING)),
                CelFunctionDecl.newFunctionDeclaration("url",
                        CelOverloadDecl.newGlobalOverload("string_to_url", URL, SimpleType.STRING)),
                member("getScheme", SimpleType.STRING),
                member("getHost", SimpleType.STRING),
                member("getHostname", SimpleType.STRING),
                member("getPort", SimpleType.STRING),
                member("getEscapedPath", SimpleType.STRING),
                member("getQuery", MapType.create(SimpleType.STRING, ListType.create(SimpleType.STRING))));
    }

    private static CelFunctionDecl member(String name, dev.cel.common.types.CelType result) {
        return CelFunctionDecl.newFunctionDeclaration(name, CelOverloadDecl.newMemberOverload("url_" + name, result, URL));
    }

    @Override
    public void setRuntimeOptions(CelRuntimeBuilder runtime) {
        runtime.addFunctionBindings(
                CelFunctionBinding.from("is_url_string", String.class, CelUrls::isUrl),
                CelFunctionBinding.from("string_to_url", String.class, CelUrls::url),
                CelFunctionBinding.from("url_getScheme", Url.class, u -> text(u.uri().getScheme())),
                CelFunctionBinding.from("url_getHost", Url.class, CelUrls::host),
                CelFunctionBinding.from("url_getHostname", Url.class, CelUrls::hostname),
                CelFunctionBinding.from("url_getPort", Url.class, u -> u.uri().getPort() < 0 ? "" : Integer.toString(u.uri().getPort())),
                CelFunctionBinding.from("url_getEscapedPath", Url.class, u -> text(u.uri().getRawPath())),
                CelFunctionBinding.from("url_getQuery", Url.class, CelUrls::query));
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }

    static boolean isUrl(String s) {
        try {
            parse(s);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static Url url(String s) throws CelEvaluationException {
        try {
            return new Url(parse(s));
        } catch (URISyntaxException e) {
            throw new CelEvaluationException("URL parse error during conversion from string: parse \"" + s + "\": " + e.getReason());
        }
    }

    /** Absolute URIs with a valid authority, or absolute paths; characters a browser would escape are escaped first. */
    private static URI parse(String s) throws URISyntaxException {
        URI uri = new URI(escapeLoose(s));
        if (uri.isOpaque() || (!uri.isAbsolute() && !s.startsWith("/"))) {
            throw new URISyntaxException(s, "invalid URI for request");
        }
        if (uri.getRawAuthority() != null && uri.getHost() == null) {
            throw new URISyntaxException(s, "invalid port or host in \"" + uri.getRawAuthority() + "\"");
        }
        return uri;
    }

    private static String escapeLoose(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == ' ' || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}') {
                out.append('%').append(String.format("%02X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String host(Url u) {
        String authority = u.uri().getRawAuthority();
        if (authority == null) {
            return "";
        }
        int at = authority.lastIndexOf('@');
        return at < 0 ? authority : authority.substring(at + 1);
    }

    private static String hostname(Url u) {
        String h = text(u.uri().getHost());
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static Map<String, List<String>> query(Url u) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String raw = u.uri().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
