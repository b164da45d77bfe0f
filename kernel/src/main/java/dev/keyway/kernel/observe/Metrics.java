package dev.keyway.kernel.observe;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The node's counters, gauges and latency histograms, rendered as Prometheus text on the admin plane.
 * Recording is lock-free (LongAdder, HdrHistogram Recorder) so the request path can record freely.
 */
public final class Metrics {
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();
    private final Map<String, Latency> latencies = new ConcurrentHashMap<>();

    /** Adds one to the counter {@code name} with optional labels, e.g. {@code inc("x_total", "code", "404")}. */
    public void inc(String name, String... labels) {
        counters.computeIfAbsent(series(name, labels), k -> new LongAdder()).increment();
    }

    /** The counter of one series itself, for hot paths that count without building the series name each time. */
    public LongAdder counter(String name, String... labels) {
        return counters.computeIfAbsent(series(name, labels), k -> new LongAdder());
    }

    /** Adds {@code n} to the counter {@code name} with optional labels. */
    public void add(String name, long n, String... labels) {
        counters.computeIfAbsent(series(name, labels), k -> new LongAdder()).add(n);
    }

    /** The current value of a counter series; 0 when it never counted. */
    public long count(String name, String... labels) {
        LongAdder a = counters.get(series(name, labels));
        return a == null ? 0 : a.sum();
    }

    /** Registers a gauge read at scrape time. */
    public void gauge(String name, LongSupplier value) {
        gauges.put(name, value);
    }

    /** Records a latency in nanoseconds under the histogram {@code name}. */
    public void latency(String name, long nanos) {
        latencies.computeIfAbsent(name, k -> new Latency()).record(nanos);
    }

    /** The whole registry as Prometheus text exposition format. */
    public String prometheus() {
        StringBuilder out = new StringBuilder(1024);
        new TreeMap<>(counters).forEach((series, v) -> out.append(series).append(' ').append(v.sum()).append('\n'));
        new TreeMap<>(gauges).forEach((series, v) -> out.append(series).append(' ').append(v.getAsLong()).append('\n'));
        new TreeMap<>(latencies).forEach((name, l) -> l.render(name, out));
        return out.toString();
    }

    private static String series(String name, String... labels) {
        if (labels.length == 0) {
            return name;
        }
        StringBuilder s = new StringBuilder(name).append('{');
        for (int i = 0; i + 1 < labels.length; i += 2) {
            if (i > 0) {
                s.append(',');
            }
            s.append(labels[i]).append("=\"").append(labels[i + 1].replace("\"", "'")).append('"');
        }
        return s.append('}').toString();
    }

    /** Cumulative latency histogram in microseconds, exposed as a Prometheus summary. */
    private static final class Latency {
        private final Recorder recorder = new Recorder(3);
        private final Histogram total = new Histogram(3);

        void record(long nanos) {
            recorder.recordValue(Math.max(1, nanos / 1000));
        }

        synchronized void render(String name, StringBuilder out) {
            total.add(recorder.getIntervalHistogram());
            for (double q : new double[]{0.5, 0.9, 0.99, 0.999}) {
                out.append(name).append("_microseconds{quantile=\"").append(q).append("\"} ")
                        .append(total.getValueAtPercentile(q * 100)).append('\n');
            }
            out.append(name).append("_microseconds_count ").append(total.getTotalCount()).append('\n');
        }
    }
}
