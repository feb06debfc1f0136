package io.meshlane.control.crd;

import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Compiles and evaluates {@code x-kubernetes-validations} rules with cel-java and the libraries
 * the apiserver gives rules: the standard library, strings, sets, and Kubernetes' URL, quantity,
 * regex and lists libraries. {@code self} is the value; {@code oldSelf} its previous value on
 * updates (transition rules). Programs are cached by rule text: Istio's CRDs repeat a few rules
 * hundreds of times.
 */
public final class CelRuleEngine {

    /** A rule that cannot be compiled (reported when its CRD is written). */
    public static final class RuleCompileException extends RuntimeException {
        RuleCompileException(String rule, String detail) {
            super("compilation failed for rule '" + rule + "': " + detail);
        }
    }

    private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");

    private final CelCompiler compiler;
    private final CelRuntime runtime;
    private final Map<String, CelRuntime.Program> programs = new ConcurrentHashMap<>();

    public CelRuleEngine() {
        CelOptions options = CelOptions.current()
                .enableHeterogeneousNumericComparisons(true)
                .comprehensionMaxIterations(100_000)
                .build();
        CelUrls urls = new CelUrls();
        CelQuantities quantities = new CelQuantities();
        CelRegex regex = new CelRegex();
        CelLists lists = new CelLists();
        this.compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS)
                .addVar("self", SimpleType.DYN)
                .addVar("oldSelf", SimpleType.DYN)
                .addLibraries(CelExtensions.strings(), CelExtensions.sets(options), urls, quantities, regex, lists)
                .build();
        this.runtime = CelRuntimeFactory.standardCelRuntimeBuilder()
                .setOptions(options)
                .addLibraries(CelExtensions.strings(), CelExtensions.sets(options), urls, quantities, regex, lists)
                .build();
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

    /** A transition rule: it reads {@code oldSelf}, so it is only evaluated on updates of an existing value. */
    public static boolean isTransitionRule(String rule) {
        return OLD_SELF.matcher(rule).find();
    }

    /** Evaluates {@code rule} with {@code self} bound; true when the rule holds. */
    public boolean holds(String rule, Object self) throws CelEvaluationException {
        return holds(rule, self, null);
    }

    /** Evaluates {@code rule} with {@code self} and (when not null) {@code oldSelf} bound. */
    public boolean holds(String rule, Object self, Object oldSelf) throws CelEvaluationException {
        Map<String, Object> vars = oldSelf == null ? Map.of("self", self) : Map.of("self", self, "oldSelf", oldSelf);
        return Boolean.TRUE.equals(compile(rule).eval(vars));
    }
}
