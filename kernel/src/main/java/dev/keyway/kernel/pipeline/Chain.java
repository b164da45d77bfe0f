package dev.keyway.kernel.pipeline;

import dev.keyway.spi.Stage;

import java.util.List;
import java.util.Objects;

/**
 * An immutable, ordered list of stages with the plugin each came from. A request runs on the chain that was
 * current when it entered the ring, even if a plugin change swaps in a new chain meanwhile.
 *
 * @param entries stages in (phase, order) order
 */
public record Chain(List<Entry> entries) {

    public static final Chain EMPTY = new Chain(List.of());

    public Chain {
        entries = List.copyOf(entries);
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
