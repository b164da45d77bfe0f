package dev.keyway.perf;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * What Keyway adds to an AI call: latency of a non-streamed chat completion and time to first byte (and to the
 * end) of a streamed one, through a real Keyway node versus straight to the same fake upstream, then the same
 * non-streamed call from concurrent clients. Everything runs in this one JVM, so the direct figures carry the
 * client's and the fake's cost and the difference is what the gateway adds.
 *
 * <pre>
 *                         direct: POST /v1/chat/completions
 *  +------------------+ -------------------------------------------------> +--------------------------+
 *  | bench client     |                                                     | FakeChatUpstream         |
 *  | JDK HttpClient   |        +---------------------------------+          | com.sun httpserver,      |
 *  | HTTP/1.1         | -----> | Keyway node (KeywayNode.start)  | -------> | virtual threads          |
 *  | keep-alive       | key    | data plane → ring → key-auth,   | openai   | chat.completion or SSE:  |
 *  +------------------+        | key-user, subscription → AI     | provider | role chunk at once, 3    |
 *                              | caller (JDK HttpClient) → SSE   |          | content chunks, usage,   |
 *                              | relay; call record → Ignite     |          | [DONE]                   |
 *                              +---------------------------------+          +--------------------------+
 * </pre>
 *
 * <p>Phases: a warm-up of every call kind; N non-streamed calls to each target, interleaved (direct, Keyway,
 * Keyway, direct, ...) so drifting machine load hits both alike; N streamed calls likewise, recording the time
 * until the response headers, the first body byte, the first content token and the stream's end; then
 * {@code clients} virtual threads calling as fast as they can (closed loop) for {@code duration}, direct then
 * Keyway. Latencies go into HdrHistograms in nanoseconds; the report is Markdown in microseconds. Arguments are
 * {@code key=value}: calls, streams, warmup (s), clients, duration (s), chunk-gap-ms, plugins, work, persistence.
 * Run it with {@code perf/run-ai-bench.sh}; docs/perf.md has the figures.
 */
public final class AiLatencyBench {
    private static final String MESSAGES = "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Say hello.\"}],\"max_tokens\":16}";
    private static final String PLAIN = "{\"model\":\"" + BenchNode.MODEL + "\"," + MESSAGES;
    private static final String STREAM = "{\"model\":\"" + BenchNode.MODEL + "\",\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true}," + MESSAGES;
    private static final String CONTENT_KEY = "\"content\":\"";
    private static final long MAX_NANOS = TimeUnit.MINUTES.toNanos(2);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final LongAdder errors = new LongAdder();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private String apiKey;

    /** One place to send calls: its chat-completions URI. */
    record Target(String name, URI uri) {
    }

    private AiLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        int calls = Integer.parseInt(o.getOrDefault("calls", "5000"));
        int streams = Integer.parseInt(o.getOrDefault("streams", "1000"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "20"));
        int clients = Integer.parseInt(o.getOrDefault("clients", "16"));
        int duration = Integer.parseInt(o.getOrDefault("duration", "10"));
        Duration gap = Duration.ofMillis(Long.parseLong(o.getOrDefault("chunk-gap-ms", "2")));
        Path plugins = Path.of(o.getOrDefault("plugins", "build/plugins")).toAbsolutePath();
        boolean ownWork = !o.containsKey("work");
        Path work = ownWork ? Files.createTempDirectory("keyway-ai-bench") : Path.of(o.get("work")).toAbsolutePath();
        boolean persistence = Boolean.parseBoolean(o.getOrDefault("persistence", "false"));

        int rc = 1;
        AiLatencyBench bench = new AiLatencyBench();
        FakeChatUpstream fake = null;
        BenchNode node = null;
        try {
            fake = new FakeChatUpstream(gap);
            node = BenchNode.start(work.resolve("data"), plugins, persistence);
            node.configure(fake.baseUrl());
            bench.apiKey = node.apiKey();
            Target direct = new Target("direct", URI.create(fake.baseUrl() + "/chat/completions"));
            Target keyway = new Target("Keyway", URI.create("http://127.0.0.1:" + node.dataPort()
                    + "/v1/chat/completions"));
            bench.awaitRoute(keyway);
            String chain = node.chain();

            log("warm-up: " + warmup + " s, 4 clients, every call kind to both targets");
            bench.warmUp(List.of(direct, keyway), Duration.ofSeconds(warmup));
            String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
            long gcBefore = gcMillis();
            bench.errors.reset();
            bench.failures.clear();
            log("non-streamed: " + calls + " calls per target, interleaved");
            Histogram[] plain = bench.plainCalls(direct, keyway, calls);
            log("streamed: " + streams + " streams per target, interleaved, " + gap.toMillis() + " ms between chunks");
            Histogram[][] streamed = bench.streamedCalls(direct, keyway, streams);
            long sequentialErrors = bench.errors.sumThenReset();
            log("concurrent: " + clients + " clients, " + duration + " s per target");
            LatencyTable.Load loadDirect = bench.load(direct, clients, Duration.ofSeconds(duration));
            LatencyTable.Load loadKeyway = bench.load(keyway, clients, Duration.ofSeconds(duration));
            long gc = gcMillis() - gcBefore;

            System.out.println(new AiBenchReport(started, chain, persistence, warmup, gap, sequentialErrors, gc,
                    fake, plain, streamed, loadDirect, loadKeyway).markdown());
            bench.failures.forEach((target, what) -> log("first failed call to " + target + ": " + what));
            rc = sequentialErrors + loadDirect.errors() + loadKeyway.errors() == 0 ? 0 : 2;
        } catch (Exception | Error e) {
            e.printStackTrace();
        } finally {
            bench.http.close();
            if (node != null) {
                node.close();
            }
            if (fake != null) {
                fake.close();
            }
            if (ownWork) {
                delete(work);
            }
        }
        // Ignite and Helidon leave non-daemon threads behind a closed node in some versions: leave explicitly.
        System.exit(rc);
    }

    /** {@code calls} non-streamed calls to each target, alternating which goes first; [direct, Keyway]. */
    private Histogram[] plainCalls(Target direct, Target keyway, int calls) {
        Histogram[] plain = {histogram(), histogram()};
        for (int i = 0; i < calls; i++) {
            for (int j = 0; j < 2; j++) {
                int t = (i + j) % 2;
                record(plain[t], plain(t == 0 ? direct : keyway));
            }
        }
        return plain;
    }

    /** As {@link #plainCalls}, streamed: [headers, first byte, first token, end] x [direct, Keyway]. */
    private Histogram[][] streamedCalls(Target direct, Target keyway, int streams) {
        Histogram[][] streamed = new Histogram[4][];
        for (int m = 0; m < 4; m++) {
            streamed[m] = new Histogram[]{histogram(), histogram()};
        }
        for (int i = 0; i < streams; i++) {
            for (int j = 0; j < 2; j++) {
                int t = (i + j) % 2;
                long[] times = stream(t == 0 ? direct : keyway);
                for (int m = 0; times != null && m < 4; m++) {
                    record(streamed[m][t], times[m]);
                }
            }
        }
        return streamed;
    }

    /** The store reaches the data plane's route and key caches a moment after the admin writes. */
    private void awaitRoute(Target keyway) throws Exception {
        String last = "";
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> r = http.send(request(keyway, PLAIN), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && r.body().contains(FakeChatUpstream.CONTENT)) {
                HttpResponse<String> s = http.send(request(keyway, STREAM), HttpResponse.BodyHandlers.ofString());
                if (s.statusCode() == 200 && s.body().contains("Hello from") && s.body().contains("data: [DONE]")) {
                    return;
                }
                last = s.statusCode() + " " + s.body();
            } else {
                last = r.statusCode() + " " + r.body();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("Keyway did not serve the chat call: " + last);
    }

    private void warmUp(List<Target> targets, Duration length) throws InterruptedException {
        long until = System.nanoTime() + length.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < until) {
                    for (Target t : targets) {
                        plain(t);
                        stream(t);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /** Closed loop: {@code clients} virtual threads each calling {@code target} until the time is up. */
    private LatencyTable.Load load(Target target, int clients, Duration length) throws InterruptedException {
        errors.reset();
        List<Histogram> each = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long cpu0 = processCpuNanos();
        long machine0 = CpuTicks.busy();
        long t0 = System.nanoTime();
        long until = t0 + length.toNanos();
        for (int c = 0; c < clients; c++) {
            Histogram h = histogram();
            each.add(h);
            threads.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < until) {
                    record(h, plain(target));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double jvm = (processCpuNanos() - cpu0) / 1e9;
        double machine = (CpuTicks.busy() - machine0) / CpuTicks.PER_SECOND;
        Histogram all = histogram();
        each.forEach(all::add);
        return new LatencyTable.Load(target.name(), clients, seconds, all, errors.sum(), jvm,
                Math.max(0, machine - jvm));
    }

    /** One non-streamed call: nanoseconds until the whole body arrived, or -1 (counted) when it failed. */
    private long plain(Target target) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<byte[]> r = http.send(request(target, PLAIN), HttpResponse.BodyHandlers.ofByteArray());
            long t1 = System.nanoTime();
            if (r.statusCode() == 200 && r.body().length > 0) {
                return t1 - t0;
            }
            failed(target, "status " + r.statusCode());
        } catch (IOException e) {
            failed(target, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed(target, "interrupted");
        }
        return -1;
    }

    /**
     * One streamed call: nanoseconds until the response headers, the first body byte, the first content token (a
     * non-empty {@code "content"} delta) and the end; or null (counted) when it failed.
     */
    private long[] stream(Target target) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<InputStream> r = http.send(request(target, STREAM), HttpResponse.BodyHandlers.ofInputStream());
            long headers = System.nanoTime() - t0;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[8192];
                StringBuilder seen = new StringBuilder();
                long firstByte = -1;
                long firstToken = -1;
                int n;
                while ((n = in.read(buf)) >= 0) {
                    long now = System.nanoTime() - t0;
                    if (firstByte < 0 && n > 0) {
                        firstByte = now;
                    }
                    seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    if (firstToken < 0 && hasToken(seen)) {
                        firstToken = now;
                    }
                }
                long end = System.nanoTime() - t0;
                if (r.statusCode() == 200 && firstToken >= 0 && seen.indexOf("data: [DONE]") >= 0) {
                    return new long[]{headers, firstByte, firstToken, end};
                }
                failed(target, "status " + r.statusCode() + ", stream incomplete");
            }
        } catch (IOException e) {
            failed(target, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed(target, "interrupted");
        }
        return null;
    }

    /** Whether an SSE text holds a content delta with at least one character. */
    private static boolean hasToken(CharSequence sse) {
        String text = sse.toString();
        for (int i = text.indexOf(CONTENT_KEY); i >= 0; i = text.indexOf(CONTENT_KEY, i + 1)) {
            int at = i + CONTENT_KEY.length();
            if (at < text.length() && text.charAt(at) != '"') {
                return true;
            }
        }
        return false;
    }

    /** Counts a failed call; the first failure per target is kept for the report. */
    private void failed(Target target, String what) {
        errors.increment();
        failures.putIfAbsent(target.name(), what);
    }

    private void record(Histogram h, long nanos) {
        if (nanos >= 0) {
            h.recordValue(Math.min(nanos, MAX_NANOS));
        }
    }

    /** Both targets get the same bytes, key included (the fake ignores it). */
    private HttpRequest request(Target target, String body) {
        return HttpRequest.newBuilder(target.uri()).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static Histogram histogram() {
        return new Histogram(MAX_NANOS, 3);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long gcMillis() {
        // G1's "Concurrent GC" bean counts concurrent cycles, which pause nothing.
        return ManagementFactory.getGarbageCollectorMXBeans().stream().filter(b -> !b.getName().contains("Concurrent"))
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("argument '" + a + "' (expected: key=value, e.g. calls=5000)");
            }
            o.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return o;
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log("could not remove " + dir + ": " + e.getMessage());
        }
    }

    static void log(String line) {
        System.err.println("ai-bench: " + line);
    }
}
