package dev.keyway.spi;

/**
 * What the kernel gives a stage at {@link Stage#start(StageContext)}: its own configuration and the read-only
 * directories it may look things up in.
 */
public interface StageContext {

    /** This stage's configuration: the node {@code plugins.<plugin-id>} of the kernel config. Never null. */
    StageConfig config();

    /** Read-only views of the store, served from local memory. Never null. */
    Directories directories();

    /** The kernel's JavaScript policy engine, if this kernel has one. */
    default java.util.Optional<PolicyEngine> policies() {
        return java.util.Optional.empty();
    }
}
