package io.meshlane.control.telemetry.istio;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable label map kept as two sorted arrays: metric points carry a dozen labels each and a
 * TreeMap per point was a visible share of the ingest profile. Iterates in key order (what the series
 * key needs); a key given twice keeps its last value.
 */
public final class SortedLabels extends AbstractMap<String, String> {
    private final String[] keys;
    private final String[] values;

    private SortedLabels(String[] keys, String[] values) {
        this.keys = keys;
        this.values = values;
    }

    /** Takes the first {@code n} pairs; the arrays are sorted in place and must not be used afterwards. */
    public static Map<String, String> of(String[] keys, String[] values, int n) {
        // insertion sort: a dozen labels, usually already in order
        for (int i = 1; i < n; i++) {
            String k = keys[i];
            String v = values[i];
            int j = i - 1;
            while (j >= 0 && keys[j].compareTo(k) > 0) {
                keys[j + 1] = keys[j];
                values[j + 1] = values[j];
                j--;
            }
            keys[j + 1] = k;
            values[j + 1] = v;
        }
        int w = 0;
        for (int i = 0; i < n; i++) {
            if (w > 0 && keys[w - 1].equals(keys[i])) {
                values[w - 1] = values[i];
            } else {
                keys[w] = keys[i];
                values[w] = values[i];
                w++;
            }
        }
        return new SortedLabels(Arrays.copyOf(keys, w), Arrays.copyOf(values, w));
    }

    @Override
    public String get(Object key) {
        if (!(key instanceof String k)) {
            return null;
        }
        int i = Arrays.binarySearch(keys, k);
        return i >= 0 ? values[i] : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String k && Arrays.binarySearch(keys, k) >= 0;
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int i;

                    @Override
                    public boolean hasNext() {
                        return i < keys.length;
                    }

                    @Override
                    public Entry<String, String> next() {
                        if (i >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        Entry<String, String> e = new SimpleImmutableEntry<>(keys[i], values[i]);
                        i++;
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }
        };
    }

    /** Appends "k=v\u0003" for each label but "le", in key order, without building entries. */
    void appendKey(StringBuilder sb) {
        for (int i = 0; i < keys.length; i++) {
            if (!keys[i].equals("le")) {
                sb.append(keys[i]).append('=').append(values[i]).append('\u0003');
            }
        }
    }
}
