package io.meshlane.control.crd;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiles and evaluates {@code x-kubernetes-validations} rules with cel-java: the standard
 * library, the strings extension and Kubernetes' URL functions ({@code isURL}, {@code url(..).getScheme()}).
 * Programs are cached by rule text: Istio's CRDs repeat a few rules hundreds of times.
 */
public final class CelRuleEngine {

    /** The value of {@code url(string)} in rules. */
    public record CelUrl(URI uri) {
    }

    /** A rule that cannot be compiled (reported when its CRD is written). */
    public static final class RuleCompileException extends RuntimeException {
        RuleCompileException(String rule, String detail) {
            super("compilation failed for rule '" + rule + "': " + detail);
        }
    }

    private static final OpaqueType URL = OpaqueType.create("kubernetes.URL");

    private final CelCompiler compiler;
    private final CelRuntime runtime;
    private final Map<String, CelRuntime.Program> programs = new ConcurrentHashMap<>();

    public CelRuleEngine() {
        CelOptions options = CelOptions.current()
                .enableHeterogeneousNumericComparisons(true)
                .comprehensionMaxIterations(100_000)
                .build();
        this.compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS)
                .addVar("self", SimpleType.DYN)
                .addLibraries(CelExtensions.strings())
                .addFunctionDeclarations(
                        CelFunctionDecl.newFunctionDeclaration("isURL",
                                CelOverloadDecl.newGlobalOverload("isURL_string", SimpleType.BOOL, SimpleType.STRING)),
                        CelFunctionDecl.newFunctionDeclaration("url",
                                CelOverloadDecl.newGlobalOverload("url_string", URL, SimpleType.STRING)),
                        CelFunctionDecl.newFunctionDeclaration("getScheme",
                                CelOverloadDecl.newMemberOverload("url_getScheme", SimpleType.STRING, URL)),
                        CelFunctionDecl.newFunctionDeclaration("getHost",
                                CelOverloadDecl.newMemberOverload("url_getHost", SimpleType.STRING, URL)),
                        CelFunctionDecl.newFunctionDeclaration("getEscapedPath",
                                CelOverloadDecl.newMemberOverload("url_getEscapedPath", SimpleType.STRING, URL)))
                .build();
        this.runtime = CelRuntimeFactory.standardCelRuntimeBuilder()
                .setOptions(options)
                .addLibraries(CelExtensions.strings())
                .addFunctionBindings(
                        CelFunctionBinding.from("isURL_string", String.class, CelRuleEngine::isUrl),
                        CelFunctionBinding.from("url_string", String.class, CelRuleEngine::url),
                        CelFunctionBinding.from("url_getScheme", CelUrl.class, u -> nonNull(u.uri().getScheme())),
                        CelFunctionBinding.from("url_getHost", CelUrl.class, u -> nonNull(u.uri().getHost())),
                        CelFunctionBinding.from("url_getEscapedPath", CelUrl.class, u -> nonNull(u.uri().getRawPath())))
                .build();
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    private static boolean isUrl(String s) {
        try {
            new URI(s);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static CelUrl url(String s) throws CelEvaluationException {
        try {
            return new CelUrl(new URI(s));
        } catch (URISyntaxException e) {
            throw new CelEvaluationException("URL parse error during conversion from string: " + e.getMessage());
        }
    }

    /** Compiles {@code rule} (cached); throws {@link RuleCompileException} with the compiler's message. */
    public CelRuntime.Program compile(String rule) {
        return programs.computeIfAbsent(rule, r -> {
            try {
                return runtime.createProgram(compiler.compile(r).getAst());
            } catch (CelValidationException e) {
                throw new RuleCompileException(r, e.getMessage());
            } catch (CelEvaluationException e) {
                throw new RuleCompileException(r, e.getMessage());
            }
        });
    }

    /** Evaluates {@code rule} with {@code self} bound; true when the rule holds. */
    public boolean holds(String rule, Object self) throws CelEvaluationException {
        Object result = compile(rule).eval(Map.of("self", self));
        return Boolean.TRUE.equals(result);
    }
}
