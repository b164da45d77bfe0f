package dev.keyway.spi.ai;

import java.util.Objects;

/**
 * How the model may use tools.
 *
 * @param mode auto (may call), none (must not), required (must call one), or one named tool
 * @param name the tool's name for {@link Mode#TOOL}, else null
 */
public record ToolChoice(Mode mode, String name) {
    public ToolChoice {
        Objects.requireNonNull(mode, "mode");
        if ((mode == Mode.TOOL) != (name != null)) {
            throw new IllegalArgumentException("a tool name goes with mode TOOL only");
        }
    }

    /** The modes. */
    public enum Mode { AUTO, NONE, REQUIRED, TOOL }
}
