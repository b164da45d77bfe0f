package dev.keyway.kernel.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Orders stages by (phase, order) and refuses ambiguity: two stages with the same (phase, order) pair, or the
 * same name, are an error naming both, never a silent tie-break.
 */
public final class ChainBuilder {
    private static final Comparator<Chain.Entry> ORDER = Comparator
            .<Chain.Entry, Integer>comparing(e -> e.stage().phase().ordinal())
            .thenComparingInt(e -> e.stage().order());

    private ChainBuilder() {
    }

    /**
     * The chain for these stages.
     *
     * @throws ChainConflictException when two stages share a (phase, order) pair or a name
     */
    public static Chain build(List<Chain.Entry> entries) {
        Map<String, Chain.Entry> byPosition = new HashMap<>();
        Map<String, Chain.Entry> byName = new HashMap<>();
        for (Chain.Entry e : entries) {
            Objects.requireNonNull(e.stage().phase(), () -> "stage " + e.stage().name() + ": phase is null");
            String position = e.stage().phase() + "/" + e.stage().order();
            Chain.Entry clash = byPosition.putIfAbsent(position, e);
            if (clash != null) {
                throw new ChainConflictException("duplicate stage order (" + e.stage().phase().label() + ", "
                        + e.stage().order() + "): " + clash.describe() + " and " + e.describe());
            }
            Chain.Entry sameName = byName.putIfAbsent(e.stage().name(), e);
            if (sameName != null) {
                throw new ChainConflictException("duplicate stage name '" + e.stage().name() + "': "
                        + sameName.describe() + " and " + e.describe());
            }
        }
        List<Chain.Entry> sorted = new ArrayList<>(entries);
        sorted.sort(ORDER);
        return new Chain(sorted);
    }

    /** Two stages cannot be ordered unambiguously. */
    public static final class ChainConflictException extends RuntimeException {
        public ChainConflictException(String message) {
            super(message);
        }
    }
}
