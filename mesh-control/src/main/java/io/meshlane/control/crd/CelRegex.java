package io.meshlane.control.crd;

import dev.cel.checker.CelCheckerBuilder;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompilerLibrary;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntimeBuilder;
import dev.cel.runtime.CelRuntimeLibrary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Kubernetes' regex library for CEL: {@code s.find(re)}, {@code s.findAll(re)}, {@code s.findAll(re, limit)}. */
final class CelRegex implements CelCompilerLibrary, CelRuntimeLibrary {

    private static final int CACHE = 256;
    private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

    @Override
    public void setCheckerOptions(CelCheckerBuilder checker) {
        checker.addFunctionDeclarations(
                CelFunctionDecl.newFunctionDeclaration("find",
                        CelOverloadDecl.newMemberOverload("string_find_string", SimpleType.STRING, SimpleType.STRING, SimpleType.STRING)),
                CelFunctionDecl.newFunctionDeclaration("findAll",
                        CelOverloadDecl.newMemberOverload("string_find_all_string", ListType.create(SimpleType.STRING),
                                SimpleType.STRING, SimpleType.STRING),
                        CelOverloadDecl.newMemberOverload("string_find_all_string_int", ListType.create(SimpleType.STRING),
                                SimpleType.STRING, SimpleType.STRING, SimpleType.INT)));
    }

    @Override
    public void setRuntimeOptions(CelRuntimeBuilder runtime) {
        runtime.addFunctionBindings(
                CelFunctionBinding.from("string_find_string", String.class, String.class, (s, re) -> {
                    Matcher m = pattern(re).matcher(s);
                    return m.find() ? m.group() : "";
                }),
                CelFunctionBinding.from("string_find_all_string", String.class, String.class, (s, re) -> findAll(s, re, -1)),
                CelFunctionBinding.from("string_find_all_string_int", List.of(String.class, String.class, Long.class),
                        args -> findAll((String) args[0], (String) args[1], (Long) args[2])));
    }

    private List<String> findAll(String s, String re, long limit) throws CelEvaluationException {
        List<String> out = new ArrayList<>();
        Matcher m = pattern(re).matcher(s);
        int lastEnd = -1;
        while ((limit < 0 || out.size() < limit) && m.find()) {
            // an empty match right after the previous match is not a new match (as in RE2's FindAll)
            if (m.group().isEmpty() && m.start() == lastEnd) {
                continue;
            }
            out.add(m.group());
            lastEnd = m.end();
        }
        return out;
    }

    private Pattern pattern(String re) throws CelEvaluationException {
        Pattern p = patterns.get(re);
        if (p != null) {
            return p;
        }
        try {
            p = Pattern.compile(re);
        } catch (PatternSyntaxException e) {
            throw new CelEvaluationException("Illegal regex: " + e.getDescription() + " in `" + re + "`");
        }
        if (patterns.size() < CACHE) {
            patterns.put(re, p);
        }
        return p;
    }
}
