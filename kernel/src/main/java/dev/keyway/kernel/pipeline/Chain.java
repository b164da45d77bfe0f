package dev.keyway.kernel.pipeline;

import dev.keyway.spi.Phase;
import dev.keyway.spi.Stage;

import java.util.List;
import java.util.Objects;

/**
 * An immutable, ordered list of stages with the plugin each came from. A request runs on the chain that was
 * current when it entered the ring, even if a plugin change swaps in a new chain meanwhile.
 */
public final class Chain {

    public static final Chain EMPTY = new Chain(List.of());

    private final List<Entry> entries;
    private final boolean authenticates;

    /** @param entries stages in (phase, order) order */
    public Chain(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        this.authenticates = this.entries.stream().anyMatch(e -> e.stage().phase() == Phase.AUTHENTICATE);
    }

    /** Stages in (phase, order) order. */
    public List<Entry> entries() {
        return entries;
    }

    /**
     * Whether a stage of this chain is in the {@link Phase#AUTHENTICATE} phase (computed once). While
     * {@code keyway.plugins.required} is non-empty the ring refuses to decide on a chain that does not.
     */
    public boolean authenticates() {
        return authenticates;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Chain other && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return "Chain" + entries;
    }

    /**
     * One stage and where it came from.
     *
     * @param pluginId the PF4J plugin id, or "kernel" for built-in stages
     * @param stage    the stage instance (owned by this chain: started before, stopped after it serves)
     */
    public record Entry(String pluginId, Stage stage) {
        public Entry {
            Objects.requireNonNull(pluginId, "pluginId");
            Objects.requireNonNull(stage, "stage");
        }

        /** {@code name (phase, order) from plugin} — the form used in logs and errors. */
        public String describe() {
            return "'" + stage.name() + "' (" + stage.phase().label() + ", " + stage.order() + ") from plugin '"
                    + pluginId + "'";
        }
    }
}
