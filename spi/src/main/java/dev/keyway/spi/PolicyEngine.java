package dev.keyway.spi;

/**
 * Runs the JavaScript policies operators attach to services (the kernel implements it; the {@code policy}
 * plugin's stage calls it on the ring). Policies are data in the store, versioned and hot-swapped by the kernel;
 * a stage only asks for the verdict.
 */
public interface PolicyEngine {

    /**
     * Runs every policy attached to the exchange's service (globally, to the service, or to its team's services),
     * in priority order. The first denial is returned; otherwise each policy's changes (upstream request headers,
     * response headers, {@link Attributes#MODEL}) are applied to the exchange and {@link Decision#proceed()} is
     * returned. A policy that fails (throws, exceeds its time limit, returns something that is not a decision)
     * denies with 500 {@code policy_error} or 503 {@code policy_timeout}, unless that policy fails open. Never
     * blocks on I/O.
     */
    Decision evaluate(Exchange exchange);
}
