package dev.keyway.perf;

import dev.keyway.kernel.config.RingConfig;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.pipeline.Chain;
import dev.keyway.kernel.pipeline.ChainBuilder;
import dev.keyway.kernel.pipeline.Ring;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.fixture.TestExchange;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Stage;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.infra.ThreadParams;
import org.openjdk.jmh.runner.IterationType;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Publish → decision latency through the decision {@link Ring}: a request thread submits an exchange, the one
 * ring consumer runs a chain of three stages that proceed, completes the request's future, and the request
 * thread wakes up with the decision. This is the ring's whole cost per request in the gateway, minus HTTP and
 * the stages' own work. Parameterised by the consumer's wait strategy; run with several JMH threads ({@code -t 4})
 * to get the multi-producer contention the data plane has.
 *
 * <pre>
 *               claim + publish             waitFor(sequence)
 *  +----+  submit()  +=============+       +--------------------------------+
 *  | P1 |----------->|             |<------| C1  StageRunner                |
 *  +----+            | RingBuffer  |       |  stage-a -> stage-b -> stage-c |
 *  | P2 |----------->| 1024 slots  |       |  (authenticate, authorize,     |
 *  +----+            | MULTI       |       |   limit: each just proceeds)   |
 *  | Pn |----------->| producer    |       +--------------------------------+
 *  +----+            +=============+                       |
 *     ^                                                    | future.complete(decision)
 *     |                       join()                       |
 *     +----------------------------------------------------+
 *
 *  P1..Pn: the JMH threads (-t n), each with its own exchange.   C1: the one consumer thread.
 *  Recorded per operation: from before submit() until join() returns (HdrHistogram, nanoseconds).
 * </pre>
 *
 * <p>JMH reports the mean time per operation per thread; the tear-down prints the HdrHistogram percentiles of all
 * measured operations (warm-up iterations excluded) in microseconds. The producers are JMH's platform threads;
 * the data plane's are virtual threads, whose park and unpark cost a little more. Run it with
 * {@code perf/run-jmh.sh}; docs/perf.md has the figures.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RingHandoffBenchmark {

    /** The ring, its chain and the latency record shared by all producer threads. */
    @State(Scope.Benchmark)
    public static class RingState {
        @Param({"lite-blocking", "phased-backoff"})
        public String waitStrategy;

        @Param({"1024"})
        public int ringSize;

        Ring ring;
        final Recorder latencies = new Recorder(3);
        final Histogram measured = new Histogram(3);
        final LongAdder ringFull = new LongAdder();

        @Setup(Level.Trial)
        public void start() {
            ring = new Ring(new RingConfig(ringSize, 1, waitStrategy), new Metrics());
            ring.swap(ChainBuilder.build(List.of(
                    new Chain.Entry("perf", new ProceedStage("stage-a", Phase.AUTHENTICATE, 10)),
                    new Chain.Entry("perf", new ProceedStage("stage-b", Phase.AUTHORIZE, 10)),
                    new Chain.Entry("perf", new ProceedStage("stage-c", Phase.LIMIT, 10)))));
        }

        /** Keeps measurement iterations, drops warm-up ones (all producers have stopped when this runs). */
        @TearDown(Level.Iteration)
        public void collect(IterationParams iteration) {
            Histogram interval = latencies.getIntervalHistogram();
            if (iteration.getType() == IterationType.MEASUREMENT) {
                measured.add(interval);
            }
        }

        @TearDown(Level.Trial)
        public void report() {
            ring.close();
            System.out.printf(Locale.ROOT,
                    "%nRingHandoff [%s] HdrHistogram over %,d measured ops (us): p50=%.1f p90=%.1f p99=%.1f "
                            + "p99.9=%.1f max=%.1f mean=%.2f; ring full %d times%n",
                    waitStrategy, measured.getTotalCount(), micros(50), micros(90), micros(99), micros(99.9),
                    measured.getMaxValue() / 1000.0, measured.getMean() / 1000.0, ringFull.sum());
        }

        private double micros(double percentile) {
            return measured.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    /** One producer's exchange, reused for each of its operations. */
    @State(Scope.Thread)
    public static class ProducerState {
        Exchange exchange;

        @Setup(Level.Trial)
        public void start(ThreadParams thread) {
            exchange = new TestExchange().path("/perf/" + thread.getThreadIndex());
        }
    }

    @Benchmark
    public Decision publishToDecision(RingState state, ProducerState producer) {
        long start = System.nanoTime();
        CompletableFuture<Decision> pending;
        while ((pending = state.ring.submit(producer.exchange)) == null) {
            // Not expected with 1024 slots and a handful of threads; counted so a report would show it.
            state.ringFull.increment();
            Thread.onSpinWait();
        }
        Decision decision = pending.join();
        state.latencies.recordValue(System.nanoTime() - start);
        return decision;
    }

    /** A stage that does nothing but proceed: the chain's cost is the ring's, not the stages'. */
    record ProceedStage(String name, Phase phase, int order) implements Stage {
        @Override
        public Decision apply(Exchange exchange) {
            return Decision.proceed();
        }
    }
}
