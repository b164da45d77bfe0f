package dev.keyway.plugins.gemini;

import dev.keyway.spi.ai.ChatEvent;
import dev.keyway.spi.ai.ChatEvent.Failed;
import dev.keyway.spi.ai.ChatEvent.Finished;
import dev.keyway.spi.ai.ChatEvent.Started;
import dev.keyway.spi.ai.ChatEvent.TextDelta;
import dev.keyway.spi.ai.ChatEvent.ToolCallDelta;
import dev.keyway.spi.ai.ChatEvent.ToolCallStarted;
import dev.keyway.spi.ai.ChatEvent.UsageReport;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.SseReader;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gemini's {@code streamGenerateContent?alt=sse}: each SSE {@code data:} is a whole {@code GenerateContentResponse}
 * holding the next text and whole function calls; the last carries {@code finishReason} and the usage totals. There is
 * no {@code [DONE]}: the body just ends.
 */
final class GeminiStream {
    /** The longest SSE line accepted: a chunk may carry a generated image inline. */
    static final int MAX_LINE = 32 << 20;

    private GeminiStream() {
    }

    /**
     * Reads the chunks: {@link Started} with the first, text and each function call ({@link ToolCallStarted} and one
     * {@link ToolCallDelta} with its whole arguments; numbered 0, 1, … across chunks), {@link Finished} once, and a
     * {@link UsageReport} whenever the reported usage changes. An {@code error} object in the stream ends it with
     * {@link Failed}. {@link #end()} fails when the body ended before any finish reason.
     */
    static final class Decoder implements StreamDecoder {
        private final SseReader sse = new SseReader(MAX_LINE);
        private boolean started;
        private boolean finished;
        private boolean failed;
        private int calls;
        private Usage usage = Usage.NONE;

        @Override
        public List<ChatEvent> feed(byte[] bytes, int offset, int length) {
            return events(sse.feed(bytes, offset, length));
        }

        @Override
        public List<ChatEvent> end() {
            List<ChatEvent> out = events(sse.end());
            if (!finished && !failed) {
                throw new IllegalStateException("gemini stream ended before a finishReason");
            }
            return out;
        }

        private List<ChatEvent> events(List<SseReader.Event> events) {
            List<ChatEvent> out = new ArrayList<>();
            for (SseReader.Event e : events) {
                if (!failed) {
                    chunk(e.data(), out);
                }
            }
            return out;
        }

        private void chunk(String data, List<ChatEvent> out) {
            Map<String, Object> chunk;
            try {
                chunk = Json.parseObject(data);
            } catch (Json.ParseException notJson) {
                // The message says where, never what: the data may hold anything.
                throw new IllegalStateException("gemini stream: event data is not a JSON object ("
                        + notJson.getMessage() + ")");
            }
            try {
                read(chunk, out);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("gemini stream: malformed chunk: " + e.getMessage(), e);
            }
        }

        private void read(Map<String, Object> chunk, List<ChatEvent> out) {
            Map<String, Object> error = Json.object(chunk.get("error"), "error");
            if (error != null) {
                Long code = GeminiAnswers.count(error.get("code"));
                String message = Json.string(error.get("message"), "error.message");
                out.add(new Failed(code == null ? 500 : code.intValue(), Json.string(error.get("status"), "error.status"),
                        message != null ? message : "gemini reported an error in the stream"));
                failed = true;
                return;
            }
            if (!started) {
                started = true;
                out.add(new Started(Json.string(chunk.get("responseId"), "responseId"),
                        Json.string(chunk.get("modelVersion"), "modelVersion")));
            }
            GeminiAnswers.Candidate c = GeminiAnswers.candidate(chunk, calls);
            if (c.text() != null && !c.text().isEmpty()) {
                out.add(new TextDelta(c.text()));
            }
            for (ToolCall call : c.calls()) {
                out.add(new ToolCallStarted(calls, call.id(), call.name()));
                out.add(new ToolCallDelta(calls, call.arguments()));
                calls++;
            }
            FinishReason reason = c.reason();
            if (reason != null && !finished) {
                finished = true;
                out.add(new Finished(GeminiAnswers.withCalls(reason, calls > 0)));
            }
            Usage now = usage.merge(GeminiAnswers.usage(chunk));
            if (!now.equals(usage)) {
                usage = now;
                out.add(new UsageReport(now));
            }
        }
    }
}
