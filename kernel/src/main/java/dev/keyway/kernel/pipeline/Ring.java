package dev.keyway.kernel.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventTranslatorThreeArg;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.keyway.kernel.config.RingConfig;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.Phase;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The decision ring: request threads publish exchanges, consumer threads run the current chain and complete each
 * request's future. The ring only decides; the request's own (virtual) thread does the upstream I/O afterwards.
 */
public final class Ring implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Ring.class.getName());
    // Reads the ring's chain inside the claim: a request claimed before a swap runs the old chain, and swap()
    // waits for every sequence claimed before it, so an old chain is never stopped under a request.
    private static final EventTranslatorThreeArg<RequestEvent, Exchange, CompletableFuture<Decision>, Ring> FILL =
            (event, sequence, exchange, result, ring) -> {
                event.exchange = exchange;
                event.result = result;
                event.chain = ring.chain;
            };

    private final Disruptor<RequestEvent> disruptor;
    private final RingBuffer<RequestEvent> buffer;
    private final StageRunner[] runners;
    private final Metrics metrics;
    private volatile Chain chain = Chain.EMPTY;
    private volatile boolean authenticationRequired;

    public Ring(RingConfig config, Metrics metrics) {
        this.metrics = metrics;
        AtomicInteger threads = new AtomicInteger();
        disruptor = new Disruptor<>(RequestEvent::new, config.size(), r -> {
            Thread t = new Thread(r, "keyway-ring-" + threads.getAndIncrement());
            t.setDaemon(true);
            return t;
        }, ProducerType.MULTI, waitStrategy(config.waitStrategy()));
        runners = new StageRunner[config.consumers()];
        for (int i = 0; i < runners.length; i++) {
            runners[i] = new StageRunner(i, runners.length, metrics);
        }
        disruptor.handleEventsWith(runners);
        disruptor.setDefaultExceptionHandler(new LastResort());
        buffer = disruptor.start();
        metrics.gauge("keyway_ring_remaining_capacity", buffer::remainingCapacity);
    }

    /**
     * Publishes an exchange to be decided on the chain current at this moment.
     *
     * @return the decision to come, or null when the ring is full (the caller answers 503)
     */
    public CompletableFuture<Decision> submit(Exchange exchange) {
        CompletableFuture<Decision> result = new CompletableFuture<>();
        boolean published = buffer.tryPublishEvent(FILL, exchange, result, this);
        if (!published) {
            metrics.inc("keyway_ring_full_total");
            return null;
        }
        return result;
    }

    /** The chain new requests run on. */
    public Chain chain() {
        return chain;
    }

    /** Set by the plugin host when {@code keyway.plugins.required} is non-empty. */
    public void requireAuthentication(boolean required) {
        authenticationRequired = required;
    }

    /** Authentication is required but no stage of the current chain authenticates: the data plane fails closed. */
    public boolean unauthenticated() {
        if (!authenticationRequired) {
            return false;
        }
        for (Chain.Entry e : chain.entries()) {
            if (e.stage().phase() == Phase.AUTHENTICATE) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes {@code next} the chain for new requests, then waits until every request published on the old chain
     * has been decided.
     *
     * @return the old chain, now unused: the caller stops its stages
     */
    public Chain swap(Chain next) {
        Chain old = chain;
        chain = next;
        long claimed = buffer.getCursor();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (minimumConsumed() < claimed && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        return old;
    }

    private long minimumConsumed() {
        long min = Long.MAX_VALUE;
        for (StageRunner runner : runners) {
            min = Math.min(min, disruptor.getSequenceValueFor(runner));
        }
        return min;
    }

    @Override
    public void close() {
        disruptor.halt();
    }

    static WaitStrategy waitStrategy(String name) {
        return switch (name) {
            case "lite-blocking" -> new LiteBlockingWaitStrategy();
            case "phased-backoff" -> PhasedBackoffWaitStrategy.withLiteLock(1, 100, TimeUnit.MICROSECONDS);
            case "blocking" -> new BlockingWaitStrategy();
            case "sleeping" -> new SleepingWaitStrategy();
            default -> throw new IllegalArgumentException("ring.wait-strategy: " + name);
        };
    }

    /** Never lets an exception halt a consumer: the request gets a 500 and the ring goes on. */
    private final class LastResort implements ExceptionHandler<RequestEvent> {
        @Override
        public void handleEventException(Throwable ex, long sequence, RequestEvent event) {
            LOG.log(Level.SEVERE, "ring consumer failed at sequence " + sequence, ex);
            metrics.inc("keyway_ring_errors_total");
            if (event != null && event.result != null) {
                event.result.complete(Decision.respond(500, "internal_error", "internal error"));
                event.clear();
            }
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            LOG.log(Level.SEVERE, "ring consumer failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            LOG.log(Level.WARNING, "ring consumer failed to stop", ex);
        }
    }
}
