package dev.keyway.kernel.pipeline;

import com.lmax.disruptor.EventHandler;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Phase;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a request's whole chain on one consumer thread. With several consumers, each takes every Nth sequence:
 * one thread per stage would make downstream threads spin on upstream sequences, which collapses on 2 cores.
 */
final class StageRunner implements EventHandler<RequestEvent> {
    private static final Logger LOG = Logger.getLogger(StageRunner.class.getName());

    private static final Decision NO_AUTHENTICATION =
            Decision.respond(503, "no_authentication", "no authentication stage is loaded");

    private final int index;
    private final int count;
    private final Metrics metrics;

    StageRunner(int index, int count, Metrics metrics) {
        this.index = index;
        this.count = count;
        this.metrics = metrics;
    }

    @Override
    public void onEvent(RequestEvent event, long sequence, boolean endOfBatch) {
        if (count > 1 && sequence % count != index) {
            return;
        }
        try {
            event.result.complete(run(event));
        } finally {
            event.clear();
        }
    }

    private Decision run(RequestEvent event) {
        if (event.authenticationRequired && !event.chain.authenticates()) {
            // Backstop on the very chain this request runs on: plugins are required, nothing would authenticate.
            return NO_AUTHENTICATION;
        }
        Phase last = event.exchange instanceof PhaseLimit limit ? limit.lastPhase() : null;
        for (Chain.Entry entry : event.chain.entries()) {
            if (last != null && entry.stage().phase().compareTo(last) > 0) {
                break;
            }
            Decision decision;
            try {
                decision = entry.stage().apply(event.exchange);
            } catch (Throwable t) {
                return failure(event, entry, t);
            }
            if (decision instanceof Decision.Respond) {
                metrics.inc("keyway_stage_denials_total", "stage", entry.stage().name());
                return decision;
            }
            if (decision == null) {
                return failure(event, entry, new NullPointerException("stage returned null"));
            }
        }
        return Decision.proceed();
    }

    /** A stage bug: log it with the request id, count it, answer 500 and keep the ring thread alive. */
    static Decision failure(RequestEvent event, Chain.Entry entry, Throwable t) {
        String requestId = event.exchange.requestId();
        LOG.log(Level.SEVERE, t, () -> "stage " + entry.describe() + " failed on request " + requestId);
        return Decision.respond(500, "internal_error", "internal error in stage '" + entry.stage().name()
                + "' (request " + requestId + ")");
    }
}
