package dev.keyway.kernel.record;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.keyway.kernel.config.CallsConfig;
import dev.keyway.kernel.observe.Metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The second ring: call records flow here after the response and one thread writes them to the store in
 * batches. Publishing never blocks: when the ring is full (the store is slow) the record is dropped and counted.
 */
public final class CallRecorder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CallRecorder.class.getName());

    private final Disruptor<Slot> disruptor;
    private final RingBuffer<Slot> buffer;
    private final Metrics metrics;

    /**
     * @param writer writes one batch to the store; called on the recorder thread only. May block (store I/O is
     *               allowed here, never on the decision ring).
     */
    public CallRecorder(CallsConfig config, Metrics metrics, Consumer<List<CallRecord>> writer) {
        this.metrics = metrics;
        disruptor = new Disruptor<>(Slot::new, config.ringSize(),
                r -> Thread.ofPlatform().daemon().name("keyway-call-recorder").unstarted(r),
                // Sleeping: producers never take a lock or wake the writer (a blocking strategy cost one thread
                // wake-up per request, ~7% of the gateway's CPU under load); records may wait up to ~1 ms.
                ProducerType.MULTI, new SleepingWaitStrategy(100, 1_000_000));
        disruptor.handleEventsWith(new BatchWriter(config.batchSize(), writer, metrics));
        disruptor.setDefaultExceptionHandler(new ExceptionHandler<>() {
            @Override
            public void handleEventException(Throwable ex, long sequence, Slot event) {
                LOG.log(Level.WARNING, "call record writer failed", ex);
            }

            @Override
            public void handleOnStartException(Throwable ex) {
                LOG.log(Level.SEVERE, "call recorder failed to start", ex);
            }

            @Override
            public void handleOnShutdownException(Throwable ex) {
                LOG.log(Level.WARNING, "call recorder failed to stop", ex);
            }
        });
        buffer = disruptor.start();
        metrics.gauge("keyway_call_ring_remaining_capacity", buffer::remainingCapacity);
    }

    /** Queues a record; drops and counts it when the ring is full. Never blocks. */
    public void record(CallRecord record) {
        if (!buffer.tryPublishEvent((slot, seq, r) -> slot.record = r, record)) {
            metrics.inc("keyway_call_records_dropped_total");
        }
    }

    @Override
    public void close() {
        disruptor.shutdown();
    }

    private static final class Slot {
        CallRecord record;
    }

    /** Collects records until the end of a batch (or the batch size) and writes them in one store call. */
    private static final class BatchWriter implements EventHandler<Slot> {
        private final int batchSize;
        private final Consumer<List<CallRecord>> writer;
        private final Metrics metrics;
        private final List<CallRecord> batch = new ArrayList<>();

        BatchWriter(int batchSize, Consumer<List<CallRecord>> writer, Metrics metrics) {
            this.batchSize = batchSize;
            this.writer = writer;
            this.metrics = metrics;
        }

        @Override
        public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
            batch.add(slot.record);
            slot.record = null;
            if (endOfBatch || batch.size() >= batchSize) {
                List<CallRecord> out = List.copyOf(batch);
                batch.clear();
                try {
                    writer.accept(out);
                    metrics.add("keyway_call_records_written_total", out.size());
                } catch (RuntimeException e) {
                    metrics.add("keyway_call_records_failed_total", out.size());
                    LOG.log(Level.WARNING, "dropping " + out.size() + " call records: store write failed", e);
                }
            }
        }
    }
}
