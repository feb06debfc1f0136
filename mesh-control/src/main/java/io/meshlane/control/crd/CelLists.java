package io.meshlane.control.crd;

import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.ByteString;
import dev.cel.checker.CelCheckerBuilder;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompilerLibrary;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntimeBuilder;
import dev.cel.runtime.CelRuntimeLibrary;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * Kubernetes' lists library for CEL: {@code isSorted}, {@code sum}, {@code min}, {@code max},
 * {@code indexOf}, {@code lastIndexOf} on lists of comparable (or, for indexing, equatable) values.
 */
final class CelLists implements CelCompilerLibrary, CelRuntimeLibrary {

    // rules see self as dyn, so element types are dyn too: a type parameter would be bound to
    // the first overload's type by the checker and break arithmetic on the result at runtime
    private static final CelType T = SimpleType.DYN;
    private static final ListType LIST = ListType.create(T);

    @Override
    public void setCheckerOptions(CelCheckerBuilder checker) {
        checker.addFunctionDeclarations(
                member("isSorted", SimpleType.BOOL),
                member("sum", T),
                member("min", T),
                member("max", T),
                member("indexOf", SimpleType.INT, T),
                member("lastIndexOf", SimpleType.INT, T));
    }

    private static CelFunctionDecl member(String name, CelType result, CelType... args) {
        CelType[] params = new CelType[args.length + 1];
        params[0] = LIST;
        System.arraycopy(args, 0, params, 1, args.length);
        return CelFunctionDecl.newFunctionDeclaration(name, CelOverloadDecl.newMemberOverload("list_" + name, result, params));
    }

    @Override
    public void setRuntimeOptions(CelRuntimeBuilder runtime) {
        runtime.addFunctionBindings(
                CelFunctionBinding.from("list_isSorted", List.class, CelLists::isSorted),
                CelFunctionBinding.from("list_sum", List.class, CelLists::sum),
                CelFunctionBinding.from("list_min", List.class, l -> extreme(l, "min", -1)),
                CelFunctionBinding.from("list_max", List.class, l -> extreme(l, "max", 1)),
                CelFunctionBinding.from("list_indexOf", List.class, Object.class, (l, v) -> indexOf(l, v, false)),
                CelFunctionBinding.from("list_lastIndexOf", List.class, Object.class, (l, v) -> indexOf(l, v, true)));
    }

    private static boolean isSorted(List<?> list) throws CelEvaluationException {
        for (int i = 1; i < list.size(); i++) {
            if (compare(list.get(i - 1), list.get(i)) > 0) {
                return false;
            }
        }
        return true;
    }

    private static Object extreme(List<?> list, String op, int direction) throws CelEvaluationException {
        if (list.isEmpty()) {
            throw new CelEvaluationException(op + " called on empty list");
        }
        Object best = list.getFirst();
        for (Object v : list) {
            if (compare(v, best) * direction > 0) {
                best = v;
            }
        }
        return best;
    }

    private static long indexOf(List<?> list, Object value, boolean last) {
        for (int k = 0; k < list.size(); k++) {
            int i = last ? list.size() - 1 - k : k;
            if (same(list.get(i), value)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean same(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            return decimal(a).compareTo(decimal(b)) == 0;
        }
        return Objects.equals(a, b);
    }

    private static Object sum(List<?> list) throws CelEvaluationException {
        if (list.isEmpty()) {
            return 0L;
        }
        Object first = list.getFirst();
        if (first instanceof Long) {
            long total = 0;
            for (Object v : list) {
                try {
                    total = Math.addExact(total, (Long) numberOf(v, Long.class));
                } catch (ArithmeticException e) {
                    throw new CelEvaluationException("integer overflow");
                }
            }
            return total;
        }
        if (first instanceof Double) {
            double total = 0;
            for (Object v : list) {
                total += (Double) numberOf(v, Double.class);
            }
            return total;
        }
        if (first instanceof UnsignedLong) {
            UnsignedLong total = UnsignedLong.ZERO;
            for (Object v : list) {
                total = total.plus((UnsignedLong) numberOf(v, UnsignedLong.class));
            }
            return total;
        }
        if (first instanceof com.google.protobuf.Duration) {
            java.time.Duration total = java.time.Duration.ZERO;
            for (Object v : list) {
                com.google.protobuf.Duration d = (com.google.protobuf.Duration) numberOf(v, com.google.protobuf.Duration.class);
                total = total.plusSeconds(d.getSeconds()).plusNanos(d.getNanos());
            }
            return com.google.protobuf.Duration.newBuilder().setSeconds(total.getSeconds()).setNanos(total.getNano()).build();
        }
        if (first instanceof java.time.Duration) {
            java.time.Duration total = java.time.Duration.ZERO;
            for (Object v : list) {
                total = total.plus((java.time.Duration) numberOf(v, java.time.Duration.class));
            }
            return total;
        }
        throw noOverload("sum", first);
    }

    private static Object numberOf(Object v, Class<?> type) throws CelEvaluationException {
        if (!type.isInstance(v)) {
            throw noOverload("sum", v);
        }
        return v;
    }

    private static CelEvaluationException noOverload(String op, Object v) {
        return new CelEvaluationException("no such overload: " + op + " of a list of " + (v == null ? "null" : v.getClass().getSimpleName()));
    }

    private static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof UnsignedLong;
    }

    private static BigDecimal decimal(Object v) {
        return v instanceof Double d ? BigDecimal.valueOf(d) : new BigDecimal(v.toString());
    }

    /** CEL's ordering of two values of comparable types; numbers of different kinds compare by value. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static int compare(Object a, Object b) throws CelEvaluationException {
        if (isNumber(a) && isNumber(b)) {
            return decimal(a).compareTo(decimal(b));
        }
        if (a instanceof ByteString x && b instanceof ByteString y) {
            return ByteString.unsignedLexicographicalComparator().compare(x, y);
        }
        if (a instanceof com.google.protobuf.Duration x && b instanceof com.google.protobuf.Duration y) {
            return com.google.protobuf.util.Durations.compare(x, y);
        }
        if (a instanceof com.google.protobuf.Timestamp x && b instanceof com.google.protobuf.Timestamp y) {
            return com.google.protobuf.util.Timestamps.compare(x, y);
        }
        if (a != null && b != null && a.getClass() == b.getClass() && a instanceof Comparable c) {
            return c.compareTo(b);
        }
        throw new CelEvaluationException("no such overload: values of " + (a == null ? "null" : a.getClass().getSimpleName())
                + " and " + (b == null ? "null" : b.getClass().getSimpleName()) + " cannot be ordered");
    }
}
