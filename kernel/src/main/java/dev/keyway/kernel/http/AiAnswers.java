package dev.keyway.kernel.http;

import dev.keyway.kernel.ai.AiCaller;
import dev.keyway.kernel.ai.ModelCatalog;
import dev.keyway.kernel.config.AiConfig;
import dev.keyway.kernel.record.AiCall;
import dev.keyway.spi.ai.ChatEvent;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.StreamEncoder;
import dev.keyway.spi.ai.Usage;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes a deployment's successful chat answer to the caller in the caller's protocol: a finished answer as one
 * body, a streamed one event by event as it arrives (flushed per upstream read, so tokens reach the caller as
 * the model writes them). Tokens come from the provider's usage fields, streams included, and give the cost.
 */
final class AiAnswers {
    private static final Logger LOG = Logger.getLogger(AiAnswers.class.getName());

    private AiAnswers() {
    }

    static DataPlane.Result chat(HttpExchange exchange, ServerResponse res, AiCaller.Attempt.Answered a,
                                 ChatRequest request, AiInbound inbound, ModelCatalog catalog, AiCaller caller,
                                 AiConfig config) throws IOException {
        String id = (inbound instanceof AiInbound.Anthropic ? "msg_" : "chatcmpl-") + exchange.requestId();
        long created = System.currentTimeMillis() / 1000;
        if (!request.stream()) {
            ChatResult result;
            try {
                result = a.provider().chatResult(readBody(a, config));
            } catch (IOException | RuntimeException e) {
                // A provider answering 2xx with something its converter cannot read (or too much, or too slowly).
                caller.failedAfterAnswer(a.deployment().id());
                DataPlane.error(res, exchange, dev.keyway.spi.Decision.respond(502, "upstream_error", "deployment "
                        + a.deployment().id() + " answered something that is not a valid " + a.provider().id()
                        + " answer (" + e.getClass().getSimpleName() + ")"), null);
                return new DataPlane.Result(502, "upstream_error", null, null, a.deployment().id(),
                        call(request, a, Usage.NONE, catalog, false));
            }
            AiCall call = call(request, a, result.usage(), catalog, false);
            headers(exchange, res, call, config);
            res.status(200);
            res.header("Content-Type", "application/json");
            ChatResult answered = new ChatResult(id, request.model(), created, result.text(), result.toolCalls(),
                    result.finishReason(), result.usage());
            res.send(inbound.result(answered, request.model()).getBytes(StandardCharsets.UTF_8));
            return DataPlane.Result.ai(200, exchange, call);
        }
        StreamDecoder decoder = a.provider().chatStream();
        StreamEncoder encoder = inbound.encoder(id, request.model(), created);
        Usage usage = Usage.NONE;
        res.status(200);
        res.header("Content-Type", "text/event-stream");
        res.header("Cache-Control", "no-cache");
        String failure = null;
        try (InputStream in = a.response().body();
             Watchdog idle = new Watchdog(in, config.timeout())) {
            // The cost is known only at the end: stream headers carry the model, provider and deployment.
            headers(exchange, res, call(request, a, Usage.NONE, catalog, true).withoutCost(), config);
            OutputStream out = res.outputStream();
            // The caller gets the response head now, not with the model's first token.
            out.flush();
            byte[] buf = new byte[8192];
            int n;
            while (true) {
                try {
                    idle.reading(true);
                    n = in.read(buf);
                    idle.reading(false);
                } catch (IOException e) {
                    failure = idle.fired() ? "the provider's stream stalled for " + config.timeout().toSeconds()
                            + " s" : "the provider's stream broke (" + e.getClass().getSimpleName() + ")";
                    break;
                }
                if (n < 0) {
                    break;
                }
                List<ChatEvent> events;
                try {
                    events = decoder.feed(buf, 0, n);
                    for (ChatEvent e : events) {
                        usage = usage(usage, e);
                        write(out, encoder.event(e));
                    }
                } catch (RuntimeException e) {
                    // Not a valid stream of this provider: the caller gets an error event, not a silent cut.
                    failure = "the provider's stream could not be read (" + e.getClass().getSimpleName() + ")";
                    break;
                }
                if (in.available() == 0) {
                    out.flush();
                }
            }
            if (failure == null) {
                try {
                    for (ChatEvent e : decoder.end()) {
                        usage = usage(usage, e);
                        write(out, encoder.event(e));
                    }
                } catch (RuntimeException e) {
                    failure = "the provider's stream ended mid-event";
                }
            }
            if (failure != null) {
                caller.failedAfterAnswer(a.deployment().id());
                try {
                    write(out, encoder.event(new ChatEvent.Failed(502, "api_error", failure)));
                } catch (RuntimeException e) {
                    // The encoder is in a state it cannot leave gracefully: end the stream as it stands.
                }
            }
            write(out, encoder.end());
            out.flush();
            out.close();
        } catch (UncheckedIOException | IOException e) {
            // The caller went away: stop reading the provider (closing the body cancels it).
            LOG.log(Level.FINE, "stream " + exchange.requestId() + " ended by the client", e);
            failure = "client disconnected";
        }
        AiCall call = call(request, a, usage, catalog, true);
        return DataPlane.Result.ai(failure == null ? 200 : 502, exchange, call);
    }

    /**
     * Closes a provider's stream that sends nothing for {@code idle} (a provider that answered and then stalled):
     * the read fails and the caller gets an error event instead of waiting for ever.
     */
    private static final class Watchdog implements AutoCloseable {
        // When the current read began, or 0 while not reading: time spent writing to a slow client is not the
        // provider's silence.
        private final java.util.concurrent.atomic.AtomicLong readingSince = new java.util.concurrent.atomic.AtomicLong();
        private volatile boolean fired;
        private final Thread thread;

        Watchdog(InputStream in, java.time.Duration idle) {
            long limit = idle.toNanos();
            thread = Thread.ofVirtual().name("keyway-stream-watchdog").start(() -> {
                try {
                    while (true) {
                        Thread.sleep(Math.max(50, Math.min(1000, idle.toMillis() / 4)));
                        long since = readingSince.get();
                        if (since != 0 && System.nanoTime() - since > limit) {
                            fired = true;
                            in.close();
                            return;
                        }
                    }
                } catch (InterruptedException | IOException e) {
                    // Closed normally, or the stream is gone anyway.
                }
            });
        }

        void reading(boolean now) {
            readingSince.set(now ? System.nanoTime() : 0);
        }

        boolean fired() {
            return fired;
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }

    /** Largest non-streamed answer read from a provider: more is a broken or hostile upstream. */
    private static final int MAX_ANSWER_BYTES = 32 * 1024 * 1024;

    /** A non-streamed answer, at most {@link #MAX_ANSWER_BYTES}, read within the timeout. */
    static byte[] readBody(AiCaller.Attempt.Answered a, AiConfig config) throws IOException {
        try (InputStream in = a.response().body(); Watchdog idle = new Watchdog(in, config.timeout())) {
            idle.reading(true);
            byte[] bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
            if (bytes.length > MAX_ANSWER_BYTES) {
                throw new IOException("answer larger than " + MAX_ANSWER_BYTES + " bytes");
            }
            return bytes;
        }
    }

    private static Usage usage(Usage so, ChatEvent e) {
        return e instanceof ChatEvent.UsageReport u ? so.merge(u.usage()) : so;
    }

    private static void write(OutputStream out, String text) throws IOException {
        if (text != null && !text.isEmpty()) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static AiCall call(ChatRequest request, AiCaller.Attempt.Answered a, Usage usage, ModelCatalog catalog,
                               boolean stream) {
        long in = usage.inputTokens() == null ? 0 : usage.inputTokens();
        long out = usage.outputTokens() == null ? 0 : usage.outputTokens();
        BigDecimal cost = catalog.cost(a.deployment().provider(), a.deployment().upstreamModel(), in, out);
        return new AiCall(request.model(), a.deployment().provider(), a.deployment().id(),
                a.deployment().upstreamModel(), usage.inputTokens(), usage.outputTokens(), cost, stream);
    }

    /** The x-keyway-* headers (when exposed): which model, provider and deployment answered, and the cost. */
    static void headers(HttpExchange exchange, ServerResponse res, AiCall call, AiConfig config) {
        res.header("X-Request-Id", exchange.requestId());
        DataPlane.applyResponseChanges(exchange, res);
        if (!config.exposeHeaders()) {
            return;
        }
        res.header("x-keyway-model", call.upstreamModel());
        res.header("x-keyway-provider", call.provider());
        res.header("x-keyway-deployment", call.deploymentId());
        if (call.costUsd() != null) {
            res.header("x-keyway-cost-usd", call.costUsd().toPlainString());
        }
    }
}
