package dev.keyway.kernel.plugin;

/** A plugin could not be loaded, started or placed in the chain. The message says which and why. */
public final class PluginException extends RuntimeException {
    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }

    public PluginException(String message) {
        super(message);
    }
}
