package io.meshlane.control.crd;

import dev.cel.checker.CelCheckerBuilder;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompilerLibrary;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntimeBuilder;
import dev.cel.runtime.CelRuntimeLibrary;
import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes' quantity library for CEL: {@code quantity("1.5Gi")}, {@code isQuantity}, and
 * sign, comparison, arithmetic and conversion methods. Values are exact decimals, so
 * {@code quantity("1") == quantity("1000m")}.
 */
final class CelQuantities implements CelCompilerLibrary, CelRuntimeLibrary {

    /** A parsed quantity; the value is normalised so that equal amounts are equal records. */
    record Quantity(BigDecimal value) {
        Quantity {
            value = value.stripTrailingZeros();
        }
    }

    static final String SYNTAX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
    private static final Pattern FORM = Pattern.compile("^([+-]?)([0-9]*\\.?[0-9]*)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][-+]?[0-9]+)?$");
    private static final OpaqueType QUANTITY = OpaqueType.create("kubernetes.Quantity");
    private static final long MAX_EXPONENT = 1000;

    @Override
    public void setCheckerOptions(CelCheckerBuilder checker) {
        checker.addFunctionDeclarations(
                CelFunctionDecl.newFunctionDeclaration("quantity",
                        CelOverloadDecl.newGlobalOverload("string_to_quantity", QUANTITY, SimpleType.STRING)),
                CelFunctionDecl.newFunctionDeclaration("isQuantity",
                        CelOverloadDecl.newGlobalOverload("is_quantity_string", SimpleType.BOOL, SimpleType.STRING)),
                CelFunctionDecl.newFunctionDeclaration("sign",
                        CelOverloadDecl.newMemberOverload("quantity_sign", SimpleType.INT, QUANTITY)),
                member("isGreaterThan", SimpleType.BOOL, QUANTITY),
                member("isLessThan", SimpleType.BOOL, QUANTITY),
                member("compareTo", SimpleType.INT, QUANTITY),
                member("asApproximateFloat", SimpleType.DOUBLE),
                member("asInteger", SimpleType.INT),
                member("isInteger", SimpleType.BOOL),
                CelFunctionDecl.newFunctionDeclaration("add",
                        CelOverloadDecl.newMemberOverload("quantity_add", QUANTITY, QUANTITY, QUANTITY),
                        CelOverloadDecl.newMemberOverload("quantity_add_int", QUANTITY, QUANTITY, SimpleType.INT)),
                CelFunctionDecl.newFunctionDeclaration("sub",
                        CelOverloadDecl.newMemberOverload("quantity_sub", QUANTITY, QUANTITY, QUANTITY),
                        CelOverloadDecl.newMemberOverload("quantity_sub_int", QUANTITY, QUANTITY, SimpleType.INT)));
    }

    private static CelFunctionDecl member(String name, CelType result, CelType... args) {
        CelType[] params = new CelType[args.length + 1];
        params[0] = QUANTITY;
        System.arraycopy(args, 0, params, 1, args.length);
        return CelFunctionDecl.newFunctionDeclaration(name, CelOverloadDecl.newMemberOverload("quantity_" + name, result, params));
    }

    @Override
    public void setRuntimeOptions(CelRuntimeBuilder runtime) {
        runtime.addFunctionBindings(
                CelFunctionBinding.from("string_to_quantity", String.class, CelQuantities::quantity),
                CelFunctionBinding.from("is_quantity_string", String.class, s -> parse(s) != null),
                CelFunctionBinding.from("quantity_sign", Quantity.class, q -> (long) q.value().signum()),
                CelFunctionBinding.from("quantity_isGreaterThan", Quantity.class, Quantity.class, (a, b) -> a.value().compareTo(b.value()) > 0),
                CelFunctionBinding.from("quantity_isLessThan", Quantity.class, Quantity.class, (a, b) -> a.value().compareTo(b.value()) < 0),
                CelFunctionBinding.from("quantity_compareTo", Quantity.class, Quantity.class, (a, b) -> (long) a.value().compareTo(b.value())),
                CelFunctionBinding.from("quantity_asApproximateFloat", Quantity.class, q -> q.value().doubleValue()),
                CelFunctionBinding.from("quantity_isInteger", Quantity.class, CelQuantities::isInteger),
                CelFunctionBinding.from("quantity_asInteger", Quantity.class, CelQuantities::asInteger),
                CelFunctionBinding.from("quantity_add", Quantity.class, Quantity.class, (a, b) -> new Quantity(a.value().add(b.value()))),
                CelFunctionBinding.from("quantity_add_int", Quantity.class, Long.class, (a, b) -> new Quantity(a.value().add(BigDecimal.valueOf(b)))),
                CelFunctionBinding.from("quantity_sub", Quantity.class, Quantity.class, (a, b) -> new Quantity(a.value().subtract(b.value()))),
                CelFunctionBinding.from("quantity_sub_int", Quantity.class, Long.class, (a, b) -> new Quantity(a.value().subtract(BigDecimal.valueOf(b)))));
    }

    private static Quantity quantity(String s) throws CelEvaluationException {
        Quantity q = parse(s);
        if (q == null) {
            throw new CelEvaluationException("quantities must match the regular expression '" + SYNTAX + "'");
        }
        return q;
    }

    /** The quantity {@code s} denotes, or null when it is not one. */
    static Quantity parse(String s) {
        Matcher m = FORM.matcher(s);
        if (!m.matches() || m.group(2).isEmpty() || m.group(2).equals(".")) {
            return null;
        }
        BigDecimal number = new BigDecimal(m.group(2).startsWith(".") ? "0" + m.group(2) : m.group(2));
        if (m.group(1).equals("-")) {
            number = number.negate();
        }
        String suffix = m.group(3) == null ? "" : m.group(3);
        BigDecimal scale = switch (suffix) {
            case "" -> BigDecimal.ONE;
            case "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" -> new BigDecimal(java.math.BigInteger.TWO.pow(10 * (1 + "KMGTPE".indexOf(suffix.charAt(0)))));
            case "n" -> BigDecimal.ONE.scaleByPowerOfTen(-9);
            case "u" -> BigDecimal.ONE.scaleByPowerOfTen(-6);
            case "m" -> BigDecimal.ONE.scaleByPowerOfTen(-3);
            case "k" -> BigDecimal.ONE.scaleByPowerOfTen(3);
            case "M" -> BigDecimal.ONE.scaleByPowerOfTen(6);
            case "G" -> BigDecimal.ONE.scaleByPowerOfTen(9);
            case "T" -> BigDecimal.ONE.scaleByPowerOfTen(12);
            case "P" -> BigDecimal.ONE.scaleByPowerOfTen(15);
            case "E" -> BigDecimal.ONE.scaleByPowerOfTen(18);
            default -> {
                long exponent = Long.parseLong(suffix.substring(1).replace("+", ""));
                yield Math.abs(exponent) > MAX_EXPONENT ? null : BigDecimal.ONE.scaleByPowerOfTen((int) exponent);
            }
        };
        return scale == null ? null : new Quantity(number.multiply(scale));
    }

    private static boolean isInteger(Quantity q) {
        BigDecimal v = q.value();
        return v.signum() == 0 || (v.scale() <= 0 && v.toBigInteger().bitLength() < 64);
    }

    private static long asInteger(Quantity q) throws CelEvaluationException {
        if (!isInteger(q)) {
            throw new CelEvaluationException("cannot convert value to integer");
        }
        return q.value().longValueExact();
    }
}
