package dev.keyway.perf;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.Locale;

/**
 * What {@link AiLatencyBench} measured, as Markdown ready to paste into docs/perf.md: a line on the machine and the
 * run, then one table per measurement (direct, Keyway, added).
 *
 * @param started          when the measured phases began, UTC
 * @param chain            the node's resolved stage chain
 * @param persistence      whether the node's Ignite region was persistent
 * @param warmupSeconds    length of the warm-up
 * @param chunkGap         the fake's pause before each content chunk of a stream
 * @param sequentialErrors failed calls in the sequential phases (not recorded in the histograms)
 * @param gcMillis         GC pause time of the JVM during the measured phases
 * @param fake             the fake's counters (requests, h2c upgrade requests, Keyway's connections), warm-up
 *                         included
 * @param plain            non-streamed latency, [direct, Keyway]
 * @param streamed         [headers, first byte, first token, end] x [direct, Keyway]
 * @param direct           the concurrent phase, direct
 * @param keyway           the concurrent phase, through Keyway
 */
record AiBenchReport(String started, String chain, boolean persistence, int warmupSeconds, Duration chunkGap,
                     long sequentialErrors, long gcMillis, FakeChatUpstream fake, Histogram[] plain,
                     Histogram[][] streamed, LatencyTable.Load direct, LatencyTable.Load keyway) {

    String markdown() {
        return "\n## AI latency bench, " + started + " UTC\n\n"
                + "Machine: " + Runtime.getRuntime().availableProcessors() + " cores (" + CpuTicks.model() + "), "
                + "JDK " + Runtime.version() + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20)
                + " MB; load average at the end " + CpuTicks.loadAverage() + ".\n"
                + "Keyway chain: " + chain + "; Ignite persistence " + (persistence ? "on" : "off")
                + "; warm-up " + warmupSeconds + " s; failed calls in the sequential phases: " + sequentialErrors
                + "; GC pauses during the measured phases: " + gcMillis + " ms.\n"
                + "The fake answered " + fake.served() + " requests (warm-up included); " + fake.gatewayCalls()
                + " came from Keyway over about " + fake.gatewayConnections() + " connections, and "
                + fake.upgrades() + " asked for an h2c upgrade.\n\n"
                + "Non-streamed chat completion, " + plain[0].getTotalCount() + " sequential calls per target "
                + "(µs, until the whole response):\n\n"
                + LatencyTable.of(plain[0], plain[1])
                + "\nStreamed chat completion, " + streamed[1][0].getTotalCount() + " sequential streams per target, "
                + chunkGap.toMillis() + " ms before each of the fake's 3 content chunks (its role chunk goes at once)"
                + " — time to the first body byte (µs):\n\n"
                + LatencyTable.of(streamed[1][0], streamed[1][1])
                + "\nSame streams, time to the first content token (the first non-empty `content` delta, µs):\n\n"
                + LatencyTable.of(streamed[2][0], streamed[2][1])
                + "\nSame streams, time to the end of the stream (`data: [DONE]`, µs):\n\n"
                + LatencyTable.of(streamed[3][0], streamed[3][1])
                + "\nResponse headers of the streams, p50: direct " + p50(streamed[0][0]) + " µs, Keyway "
                + p50(streamed[0][1]) + " µs.\n"
                + "\nNon-streamed, " + direct.clients() + " concurrent clients (closed loop) for "
                + String.format(Locale.ROOT, "%.0f", direct.seconds()) + " s per target (latency µs; JVM CPU = the "
                + "whole bench JVM: client, fake, and Keyway when it is the target; other cores = the rest of the "
                + "machine):\n\n"
                + LatencyTable.of(direct, keyway);
    }

    private static String p50(Histogram h) {
        return LatencyTable.num(h.getValueAtPercentile(50) / 1000.0);
    }
}
