package dev.keyway.kernel.pipeline;

import dev.keyway.spi.Phase;

/**
 * An exchange that runs only the chain up to and including one phase, e.g. {@code GET /v1/me}, which reports
 * who a key resolves to and must not be refused by stages that need a service.
 */
public interface PhaseLimit {

    /** The last phase to run. */
    Phase lastPhase();
}
