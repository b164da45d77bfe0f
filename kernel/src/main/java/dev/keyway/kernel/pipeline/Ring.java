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
    private static final long DRAIN_POLL_MILLIS = 50;
    // Reads the ring's chain inside the claim: a request claimed before a swap runs the old chain, and swap()
    // waits for every sequence claimed before it, so an old chain is never stopped under a request. The consumer
    // checks authentication on this same chain (StageRunner), so no check can see one chain and run another.
    private static final EventTranslatorThreeArg<RequestEvent, Exchange, CompletableFuture<Decision>, Ring> FILL =
            (event, sequence, exchange, result, ring) -> {
                event.exchange = exchange;
                event.result = result;
                event.chain = ring.chain;
                event.authenticationRequired = ring.authenticationRequired;
            };

    private final Disruptor<RequestEvent> disruptor;
    private final RingBuffer<RequestEvent> buffer;
    private final StageRunner[] runners;
    private final Metrics metrics;
    private volatile Chain chain = Chain.EMPTY;
    private volatile boolean authenticationRequired;
    private volatile long drainTimeoutNanos = TimeUnit.SECONDS.toNanos(10);
    private volatile boolean closed;

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

    /**
     * Set by the plugin host when {@code keyway.plugins.required} is non-empty: the ring then answers 503
     * {@code no_authentication} to every request whose chain has no authenticate stage (fail closed).
     */
    public void requireAuthentication(boolean required) {
        authenticationRequired = required;
    }

    /**
     * Makes {@code next} the chain for new requests, then waits until every request published on the old chain
     * has been decided (see {@link #swap(Chain, Runnable)}).
     *
     * @return the old chain
     */
    public Chain swap(Chain next) {
        return swap(next, () -> { });
    }

    /**
     * Makes {@code next} the chain for new requests, waits until every request published on the old chain has been
     * decided, then runs {@code afterDrain} (which stops the old stages, closes class loaders). When the ring has
     * not drained within the timeout (a stage blocks), a WARNING names the stuck sequence and {@code afterDrain}
     * runs on a background thread once it has drained: never under a running request.
     *
     * @return the old chain
     */
    public Chain swap(Chain next, Runnable afterDrain) {
        Chain old = chain;
        chain = next;
        long claimed = buffer.getCursor();
        long deadline = System.nanoTime() + drainTimeoutNanos;
        while (!drained(claimed) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        if (drained(claimed)) {
            afterDrain.run();
            return old;
        }
        long stuck = minimumConsumed() + 1;
        long waited = TimeUnit.NANOSECONDS.toMillis(drainTimeoutNanos);
        LOG.warning(() -> "decision ring: sequence " + stuck + " is still undecided " + waited + " ms after a chain"
                + " swap (a stage blocks?); the old chain is released once every sequence up to " + claimed
                + " is decided");
        Thread.ofPlatform().daemon().name("keyway-ring-drain-" + claimed).start(() -> {
            try {
                while (!drained(claimed)) {
                    Thread.sleep(DRAIN_POLL_MILLIS);
                }
                LOG.info(() -> "decision ring: drained up to sequence " + claimed + "; releasing the old chain");
                afterDrain.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                LOG.log(Level.SEVERE, "decision ring: releasing the old chain failed", t);
            }
        });
        return old;
    }

    /** Every sequence up to {@code claimed} is decided, or the ring is closed (nothing more is decided on it). */
    private boolean drained(long claimed) {
        return closed || minimumConsumed() >= claimed;
    }

    /** For tests: how long {@link #swap} waits before deferring the release of the old chain. */
    void drainTimeout(java.time.Duration timeout) {
        drainTimeoutNanos = timeout.toNanos();
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
        closed = true;
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
