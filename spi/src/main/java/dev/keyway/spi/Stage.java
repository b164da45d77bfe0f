package dev.keyway.spi;

import org.pf4j.ExtensionPoint;

/**
 * One step of the request pipeline: authentication, key-user resolution, approval, limits, policy, transforms.
 *
 * <p>The kernel builds one chain of stages ordered by {@link #phase()} then {@link #order()}; two stages with the
 * same pair fail start-up (or a plugin load) with a message naming both. For every request the chain runs on a
 * ring consumer thread, one stage after another, until a stage answers {@link Decision.Respond} or the chain ends
 * and the request proceeds to the upstream.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #apply(Exchange)} is called on a ring thread. It must not do network or disk I/O and must not
 *       block: read what it needs from the {@link Directories} given at {@link #start(StageContext)} (local
 *       memory) and from the exchange's attributes.</li>
 *   <li>A stage never writes the HTTP response: it returns a decision and the kernel writes it in the caller's
 *       protocol shape.</li>
 *   <li>An exception thrown from {@code apply} is a bug: the kernel answers 500 {@code internal_error} with the
 *       request id, logs the exception and keeps the ring running.</li>
 *   <li>Security stages fail closed: when they cannot decide, they respond with a denial.</li>
 *   <li>{@link #start(StageContext)} runs once before the stage serves requests, {@link #stop()} once after the
 *       chain holding it has been replaced or the node stops. Both run on a kernel thread, never concurrently
 *       with each other. Invalid configuration must throw from {@code start}: the plugin is then refused.</li>
 * </ul>
 * Implementations are PF4J extensions ({@code @Extension}); the kernel creates a fresh instance each time the
 * plugin is loaded, and keeps it across chain swaps caused by other plugins.
 */
public interface Stage extends ExtensionPoint {

    /** The stage's name, unique in a chain; by convention the plugin id. Never null. */
    String name();

    /** The phase this stage runs in. Never null. */
    Phase phase();

    /** The position within the phase: lower runs first. Two stages may not share a (phase, order) pair. */
    int order();

    /**
     * Decides on one request. Called on a ring thread; see the class contract.
     *
     * @param exchange the request, its typed attributes and the header changes to apply; never null
     * @return {@link Decision#proceed()} to pass the request on, or a {@link Decision.Respond}; never null
     */
    Decision apply(Exchange exchange);

    /** Prepares the stage with its configuration and the read-only directories. Throw to refuse bad config. */
    default void start(StageContext context) {
    }

    /** Releases what {@link #start(StageContext)} acquired. */
    default void stop() {
    }
}
