package io.meshlane.agent.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The C/Java contract, read from the BTF of the built objects (no kernel, no root): every struct the
 * agent writes, every map's name and key/value size, and the counter slots' order.
 */
class MapLayoutsBtfTest {

    private static final Btf DATAPATH = Btf.ofElf(resource(ProgramSet.OBJECT_RESOURCE));
    /** enum ml_counter is in no map of meshlane.bpf.o, so its BTF lacks it; a test-only object of the same header declares it. */
    private static final Btf CONTRACT = Btf.ofElf(resource("/bpf/contract.bpf.o"));

    @Test
    void everyStructTheAgentWritesHasTheCLayout() {
        List<String> drift = new ArrayList<>();
        for (MapLayouts.Struct java : MapLayouts.STRUCTS) {
            Btf.Type c = DATAPATH.named(Btf.STRUCT, java.name());
            if (c.sizeOrType() != java.size()) {
                drift.add("struct " + java.name() + " is " + c.sizeOrType() + " bytes in C, " + java.size() + " in MapLayouts");
            }
            List<String> cFields = new ArrayList<>();
            for (Btf.Member m : c.members()) {
                cFields.add(m.name() + "@" + m.bitOffset() / 8 + "+" + DATAPATH.sizeOf(m.type()));
            }
            List<String> javaFields = java.fields().stream().map(f -> f.name() + "@" + f.offset() + "+" + f.size()).toList();
            if (!cFields.equals(javaFields)) {
                drift.add("struct " + java.name() + " fields (name@offset+size) in C " + cFields + ", in MapLayouts " + javaFields);
            }
        }
        assertEquals(List.of(), drift, "meshlane.h and MapLayouts disagree; change both together");
    }

    @Test
    void everyMapIsNamedOnceAndHasTheKeyAndValueSizesTheAgentUses() {
        Set<String> cMaps = DATAPATH.varsOf(".maps");
        Set<String> javaMaps = Arrays.stream(MapName.values()).map(MapName::cName).collect(Collectors.toCollection(java.util.TreeSet::new));
        assertEquals(cMaps, javaMaps, "the maps of meshlane.bpf.o and MapName");
        for (MapName map : MapName.values()) {
            if (map.keySize() == 0) {
                continue;
            }
            assertEquals(map.keySize(), DATAPATH.sizeOf(DATAPATH.mapMember(map.cName(), "key")), map.cName() + " key size");
            assertEquals(map.valueSize(), DATAPATH.sizeOf(DATAPATH.mapMember(map.cName(), "value")), map.cName() + " value size");
        }
    }

    @Test
    void counterSlotsFollowEnumMlCounter() {
        Map<String, Long> c = CONTRACT.named(Btf.ENUM, "ml_counter").enumerators();
        List<String> expected = new ArrayList<>();
        for (Counter counter : Counter.values()) {
            expected.add("C_" + counter.name() + "=" + counter.ordinal());
        }
        expected.add("C_MAX=" + Counter.values().length);
        List<String> actual = c.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        assertEquals(expected, actual, "enum ml_counter in meshlane.h and the Counter enum");
    }

    private static byte[] resource(String name) {
        try (InputStream in = MapLayoutsBtfTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the test classpath: build bpf-programs first (./meshlane build)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("reading " + name, e);
        }
    }
}
