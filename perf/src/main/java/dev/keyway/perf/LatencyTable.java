package dev.keyway.perf;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/**
 * Markdown tables for {@link AiLatencyBench}: one row per target with p50/p90/p99/p99.9/max and the mean in
 * microseconds (histograms hold nanoseconds), and an "added" row, Keyway minus direct per column. The added row
 * is a difference of percentiles, not a percentile of per-call differences: at p50 it is the typical cost Keyway
 * adds, at the tail it is mostly how much the two tails differ.
 */
final class LatencyTable {
    private LatencyTable() {
    }

    /** Percentiles of one histogram, in microseconds. */
    record Row(double p50, double p90, double p99, double p999, double max, double mean, long count) {
        static Row of(Histogram h) {
            return new Row(us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(90)),
                    us(h.getValueAtPercentile(99)), us(h.getValueAtPercentile(99.9)), us(h.getMaxValue()),
                    h.getMean() / 1000.0, h.getTotalCount());
        }

        Row minus(Row o) {
            return new Row(p50 - o.p50, p90 - o.p90, p99 - o.p99, p999 - o.p999, max - o.max, mean - o.mean, 0);
        }

        String cells() {
            return String.join(" | ", num(p50), num(p90), num(p99), num(p999), num(max), num(mean));
        }
    }

    static final String HEAD = "| target | p50 | p90 | p99 | p99.9 | max | mean |\n|---|---|---|---|---|---|---|\n";

    /** The table for one measurement: direct, Keyway, added. */
    static String of(Histogram direct, Histogram keyway) {
        Row d = Row.of(direct);
        Row k = Row.of(keyway);
        return HEAD
                + "| direct | " + d.cells() + " |\n"
                + "| Keyway | " + k.cells() + " |\n"
                + "| **added** | " + k.minus(d).cells() + " |\n";
    }

    /** One concurrent-phase row: throughput, latency, errors and the CPU this JVM and the rest used. */
    record Load(String target, int clients, double seconds, Histogram latency, long errors, double jvmCpuSeconds,
                double otherCpuSeconds) {
        double perSecond() {
            return latency.getTotalCount() / seconds;
        }

        double cpuMicrosPerCall() {
            return latency.getTotalCount() == 0 ? 0 : jvmCpuSeconds * 1e6 / latency.getTotalCount();
        }
    }

    static final String LOAD_HEAD = "| target | clients | calls/s | p50 | p90 | p99 | p99.9 | max | mean | errors "
            + "| JVM CPU µs/call | other cores |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";

    /** The concurrent table: direct, Keyway, and the added row (latency and CPU differences, throughput ratio). */
    static String of(Load direct, Load keyway) {
        Row d = Row.of(direct.latency());
        Row k = Row.of(keyway.latency());
        return LOAD_HEAD + load(direct, d) + load(keyway, k)
                + "| **added** | | ×" + String.format(Locale.ROOT, "%.2f", keyway.perSecond() / direct.perSecond())
                + " | " + k.minus(d).cells() + " | | "
                + num(keyway.cpuMicrosPerCall() - direct.cpuMicrosPerCall()) + " | |\n";
    }

    private static String load(Load l, Row r) {
        return "| " + l.target() + " | " + l.clients() + " | " + String.format(Locale.ROOT, "%.0f", l.perSecond())
                + " | " + r.cells() + " | " + l.errors() + " | " + num(l.cpuMicrosPerCall()) + " | "
                + String.format(Locale.ROOT, "%.2f", l.otherCpuSeconds() / l.seconds()) + " |\n";
    }

    private static double us(long nanos) {
        return nanos / 1000.0;
    }

    /** Whole microseconds from 100 up, one decimal below. */
    static String num(double us) {
        return Math.abs(us) >= 100 ? String.format(Locale.ROOT, "%.0f", us) : String.format(Locale.ROOT, "%.1f", us);
    }
}
