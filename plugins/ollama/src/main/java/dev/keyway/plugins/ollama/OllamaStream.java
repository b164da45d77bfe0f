package dev.keyway.plugins.ollama;

import dev.keyway.spi.ai.ChatEvent;
import dev.keyway.spi.ai.ChatEvent.Failed;
import dev.keyway.spi.ai.ChatEvent.Finished;
import dev.keyway.spi.ai.ChatEvent.Started;
import dev.keyway.spi.ai.ChatEvent.TextDelta;
import dev.keyway.spi.ai.ChatEvent.ToolCallDelta;
import dev.keyway.spi.ai.ChatEvent.ToolCallStarted;
import dev.keyway.spi.ai.ChatEvent.UsageReport;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.LineReader;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ollama's streamed {@code /api/chat}: NDJSON, one chat response object per line, each {@code message} holding the
 * next text (and whole tool calls); the last line has {@code "done": true}, {@code done_reason} and the token counts.
 * An {@code {"error": "…"}} line may end the stream after HTTP 200.
 */
final class OllamaStream {
    /** The longest line accepted: each line is one small delta. */
    static final int MAX_LINE = 4 << 20;

    private OllamaStream() {
    }

    /**
     * Reads the lines: {@link Started} with the first, {@link TextDelta} per non-empty {@code message.content}, each
     * tool call as {@link ToolCallStarted} and one {@link ToolCallDelta} with its whole arguments (numbered 0, 1, …
     * across lines), then {@link Finished} and a {@link UsageReport} on the {@code done} line. Blank lines are
     * skipped. {@link #end()} fails when the body ended before the {@code done} line.
     */
    static final class Decoder implements StreamDecoder {
        private final LineReader lines = new LineReader(MAX_LINE);
        private boolean started;
        private boolean done;
        private int calls;

        @Override
        public List<ChatEvent> feed(byte[] bytes, int offset, int length) {
            List<ChatEvent> out = new ArrayList<>();
            for (String line : lines.feed(bytes, offset, length)) {
                line(line, out);
            }
            return out;
        }

        @Override
        public List<ChatEvent> end() {
            List<ChatEvent> out = new ArrayList<>();
            String last = lines.end();
            if (last != null) {
                line(last, out);
            }
            if (!done) {
                throw new IllegalStateException("ollama stream ended before its done line");
            }
            return out;
        }

        private void line(String line, List<ChatEvent> out) {
            if (done || line.isBlank()) {
                return;
            }
            Map<String, Object> chunk;
            try {
                chunk = Json.parseObject(line);
            } catch (Json.ParseException notJson) {
                // The message says where, never what: the line may hold anything.
                throw new IllegalStateException("ollama stream: line is not a JSON object (" + notJson.getMessage()
                        + ")");
            }
            try {
                read(chunk, out);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("ollama stream: malformed line: " + e.getMessage(), e);
            }
        }

        private void read(Map<String, Object> chunk, List<ChatEvent> out) {
            if (chunk.get("error") != null) {
                String message = chunk.get("error") instanceof String s && !s.isEmpty() ? s
                        : "ollama reported an error in the stream";
                out.add(new Failed(500, null, message));
                done = true;
                return;
            }
            if (!started) {
                started = true;
                out.add(new Started(OllamaAnswers.newId(), Json.string(chunk.get("model"), "model")));
            }
            Map<String, Object> message = Json.object(chunk.get("message"), "message");
            if (message != null) {
                String text = Json.string(message.get("content"), "message.content");
                if (text != null && !text.isEmpty()) {
                    out.add(new TextDelta(text));
                }
                for (ToolCall call : OllamaAnswers.toolCalls(message, calls)) {
                    out.add(new ToolCallStarted(calls, call.id(), call.name()));
                    out.add(new ToolCallDelta(calls, call.arguments()));
                    calls++;
                }
            }
            if (Boolean.TRUE.equals(Json.bool(chunk.get("done"), "done"))) {
                done = true;
                FinishReason reason = OllamaAnswers.finishReason(Json.string(chunk.get("done_reason"), "done_reason"),
                        calls > 0);
                out.add(new Finished(reason != null ? reason : FinishReason.STOP));
                Usage usage = OllamaAnswers.usage(chunk);
                if (!usage.equals(Usage.NONE)) {
                    out.add(new UsageReport(usage));
                }
            }
        }
    }
}
