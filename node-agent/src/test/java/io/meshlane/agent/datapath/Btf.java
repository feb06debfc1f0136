package io.meshlane.agent.datapath;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The type section (.BTF) of a little-endian ELF BPF object, read as the kernel's BTF format
 * describes it: enough to ask a struct's size and members, an enum's values and a map's key/value types.
 */
final class Btf {

    static final int INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8,
            VOLATILE = 9, CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15,
            FLOAT = 16, DECL_TAG = 17, TYPE_TAG = 18, ENUM64 = 19;

    /** A struct member: its bit offset and type. */
    record Member(String name, int type, int bitOffset) {
    }

    /** One type; {@code sizeOrType} is a size for INT/STRUCT/UNION/ENUM/DATASEC and a type id otherwise. */
    record Type(int kind, String name, int sizeOrType, List<Member> members, Map<String, Long> enumerators,
                int arrayElement, int arrayLength) {
    }

    private final List<Type> types = new ArrayList<>();

    private Btf(ByteBuffer btf) {
        types.add(null); // type id 0 is void
        if ((btf.getShort(0) & 0xffff) != 0xeb9f) {
            throw new IllegalArgumentException("not little-endian BTF (magic " + Integer.toHexString(btf.getShort(0) & 0xffff) + ")");
        }
        int hdrLen = btf.getInt(4);
        int typeOff = hdrLen + btf.getInt(8);
        int typeEnd = typeOff + btf.getInt(12);
        int strOff = hdrLen + btf.getInt(16);
        for (int at = typeOff; at < typeEnd; ) {
            String name = string(btf, strOff + btf.getInt(at));
            int info = btf.getInt(at + 4);
            int sizeOrType = btf.getInt(at + 8);
            int kind = (info >>> 24) & 0x1f;
            int vlen = info & 0xffff;
            boolean kindFlag = info < 0;
            at += 12;
            List<Member> members = new ArrayList<>();
            Map<String, Long> enumerators = new LinkedHashMap<>();
            int element = 0;
            int length = 0;
            switch (kind) {
                case INT, VAR, DECL_TAG -> at += 4;
                case ARRAY -> {
                    element = btf.getInt(at);
                    length = btf.getInt(at + 8);
                    at += 12;
                }
                case STRUCT, UNION -> {
                    for (int i = 0; i < vlen; i++, at += 12) {
                        int offset = btf.getInt(at + 8);
                        members.add(new Member(string(btf, strOff + btf.getInt(at)), btf.getInt(at + 4),
                                kindFlag ? offset & 0xffffff : offset));
                    }
                }
                case ENUM -> {
                    for (int i = 0; i < vlen; i++, at += 8) {
                        enumerators.put(string(btf, strOff + btf.getInt(at)), (long) btf.getInt(at + 4));
                    }
                }
                case ENUM64 -> {
                    for (int i = 0; i < vlen; i++, at += 12) {
                        enumerators.put(string(btf, strOff + btf.getInt(at)),
                                (btf.getInt(at + 4) & 0xffffffffL) | ((long) btf.getInt(at + 8) << 32));
                    }
                }
                case FUNC_PROTO -> at += 8 * vlen;
                case DATASEC -> {
                    for (int i = 0; i < vlen; i++, at += 12) {
                        members.add(new Member("", btf.getInt(at), btf.getInt(at + 4) * 8));
                    }
                }
                case PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG -> {
                }
                default -> throw new IllegalArgumentException("unknown BTF kind " + kind + " at byte " + at);
            }
            types.add(new Type(kind, name, sizeOrType, members, enumerators, element, length));
        }
    }

    /** The .BTF section of an ELF64 little-endian object. */
    static Btf ofElf(byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0x464c457f || b.get(4) != 2 || b.get(5) != 1) {
            throw new IllegalArgumentException("not a 64-bit little-endian ELF object");
        }
        long sectionHeaders = b.getLong(0x28);
        int entrySize = b.getShort(0x3a) & 0xffff;
        int count = b.getShort(0x3c) & 0xffff;
        int names = b.getShort(0x3e) & 0xffff;
        int namesOffset = (int) b.getLong((int) (sectionHeaders + (long) names * entrySize) + 24);
        for (int i = 0; i < count; i++) {
            int header = (int) (sectionHeaders + (long) i * entrySize);
            if (string(b, namesOffset + b.getInt(header)).equals(".BTF")) {
                int offset = (int) b.getLong(header + 24);
                int size = (int) b.getLong(header + 32);
                return new Btf(b.slice(offset, size).order(ByteOrder.LITTLE_ENDIAN));
            }
        }
        throw new IllegalArgumentException("the object has no .BTF section (compile with clang -g)");
    }

    Type type(int id) {
        return types.get(id);
    }

    /** The named type of {@code kind}; fails naming the kind and name when there is none. */
    Type named(int kind, String name) {
        return types.stream().skip(1).filter(t -> t.kind() == kind && t.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no BTF type of kind " + kind + " named " + name));
    }

    /** The names of the variables in data section {@code section} (for ".maps": the maps). */
    java.util.SortedSet<String> varsOf(String section) {
        java.util.SortedSet<String> names = new java.util.TreeSet<>();
        named(DATASEC, section).members().forEach(v -> names.add(types.get(v.type()).name()));
        return names;
    }

    /** Follows typedefs and qualifiers. */
    Type resolve(int id) {
        Type t = types.get(id);
        while (t.kind() == TYPEDEF || t.kind() == VOLATILE || t.kind() == CONST || t.kind() == RESTRICT || t.kind() == TYPE_TAG) {
            t = types.get(t.sizeOrType());
        }
        return t;
    }

    /** Bytes a value of type {@code id} takes. */
    long sizeOf(int id) {
        Type t = resolve(id);
        return switch (t.kind()) {
            case INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT -> t.sizeOrType();
            case PTR -> 8;
            case ARRAY -> sizeOf(t.arrayElement()) * t.arrayLength();
            default -> throw new IllegalArgumentException("type " + id + " of kind " + t.kind() + " has no size");
        };
    }

    /** The type of map {@code name}'s {@code key} or {@code value} ({@code __type(key, T)} is a member {@code T *key}). */
    int mapMember(String map, String member) {
        Type definition = resolve(named(VAR, map).sizeOrType());
        Member m = definition.members().stream().filter(x -> x.name().equals(member)).findFirst()
                .orElseThrow(() -> new AssertionError("map " + map + " declares no " + member + " type"));
        return resolve(m.type()).sizeOrType();
    }

    private static String string(ByteBuffer b, int at) {
        int end = at;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
