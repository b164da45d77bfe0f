package dev.keyway.kernel.plugin;

import java.util.Objects;

/** A plugin could not be loaded, started, placed in the chain or unloaded. The message says which and why. */
public final class PluginException extends RuntimeException {
    private final Kind kind;

    public PluginException(String message, Throwable cause) {
        this(Kind.REFUSED, message, cause);
    }

    public PluginException(String message) {
        this(Kind.REFUSED, message, null);
    }

    PluginException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    static PluginException notLoaded(String id) {
        return new PluginException(Kind.NOT_LOADED, "plugin '" + id + "' is not loaded", null);
    }

    /** Why the change was not made; the admin plane maps it to a status. */
    public Kind kind() {
        return kind;
    }

    /** Why a plugin change was not made. */
    public enum Kind {
        /** No plugin with that id is loaded (404). */
        NOT_LOADED,
        /** The change would remove a plugin listed in {@code keyway.plugins.required} (409). */
        REQUIRED,
        /** The JAR, its stages or their order are not acceptable (422). */
        REFUSED
    }
}
