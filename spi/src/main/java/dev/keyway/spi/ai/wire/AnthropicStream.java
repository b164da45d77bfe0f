package dev.keyway.spi.ai.wire;

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
import dev.keyway.spi.ai.StreamEncoder;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.keyway.spi.ai.wire.AnthropicWire.block;
import static dev.keyway.spi.ai.wire.AnthropicWire.count;

/**
 * Anthropic's event stream both ways: named SSE events, {@code message_start}, then per content block
 * {@code content_block_start}, {@code content_block_delta}s and {@code content_block_stop}, then
 * {@code message_delta} (stop reason, cumulative output tokens) and {@code message_stop}; {@code ping} anywhere, and
 * {@code error} even after HTTP 200.
 */
final class AnthropicStream {
    /** The longest SSE line accepted from Anthropic; its events are small deltas. */
    static final int MAX_LINE = 4 << 20;

    private AnthropicStream() {
    }

    private static String sse(String type, Map<String, Object> data) {
        return "event: " + type + "\ndata: " + Json.write(data) + "\n\n";
    }

    private static Map<String, Object> frame(String type) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
        return e;
    }

    /**
     * Reads Anthropic's events. Tool calls are numbered 0, 1, … among this answer's calls, whatever their block
     * index; text and tool blocks of other kinds (thinking, server tools) are skipped. The body must end with
     * {@code message_stop} or an {@code error} event, else {@link #end()} fails.
     */
    static final class Decoder implements StreamDecoder {
        private final SseReader sse = new SseReader(MAX_LINE);
        private final Map<Long, Integer> toolByBlock = new HashMap<>();
        private boolean done;

        @Override
        public List<ChatEvent> feed(byte[] bytes, int offset, int length) {
            return events(sse.feed(bytes, offset, length));
        }

        @Override
        public List<ChatEvent> end() {
            List<ChatEvent> out = events(sse.end());
            if (!done) {
                throw new IllegalStateException("anthropic stream ended before message_stop");
            }
            return out;
        }

        private List<ChatEvent> events(List<SseReader.Event> events) {
            List<ChatEvent> out = new ArrayList<>();
            for (SseReader.Event e : events) {
                if (!done && !e.name().equals("ping")) {
                    event(e, out);
                }
            }
            return out;
        }

        private void event(SseReader.Event e, List<ChatEvent> out) {
            Map<String, Object> d;
            try {
                d = Json.parseObject(e.data());
            } catch (Json.ParseException notJson) {
                // The message says where, never what: the data may hold anything.
                throw new IllegalStateException("anthropic stream: event data is not a JSON object ("
                        + notJson.getMessage() + ")");
            }
            String type = e.name().equals("message") ? Json.string(d.get("type"), "type") : e.name();
            switch (type == null ? "" : type) {
                case "message_start" -> {
                    Map<String, Object> m = Json.object(d.get("message"), "message");
                    if (m == null) {
                        throw new IllegalStateException("anthropic stream: message_start without a message");
                    }
                    out.add(new Started(Json.string(m.get("id"), "message.id"),
                            Json.string(m.get("model"), "message.model")));
                    Map<String, Object> u = Json.object(m.get("usage"), "message.usage");
                    Long input = u == null ? null : count(u.get("input_tokens"));
                    if (input != null) {
                        out.add(new UsageReport(new Usage(input, null)));
                    }
                }
                case "content_block_start" -> blockStart(d, out);
                case "content_block_delta" -> blockDelta(d, out);
                case "message_delta" -> {
                    Map<String, Object> delta = Json.object(d.get("delta"), "delta");
                    FinishReason reason = delta == null ? null
                            : AnthropicWire.finishReason(Json.string(delta.get("stop_reason"), "delta.stop_reason"));
                    if (reason != null) {
                        out.add(new Finished(reason));
                    }
                    Map<String, Object> u = Json.object(d.get("usage"), "usage");
                    Usage usage = u == null ? Usage.NONE
                            : new Usage(count(u.get("input_tokens")), count(u.get("output_tokens")));
                    if (!usage.equals(Usage.NONE)) {
                        out.add(new UsageReport(usage));
                    }
                }
                case "message_stop" -> done = true;
                case "error" -> {
                    Map<String, Object> error = Json.object(d.get("error"), "error");
                    String errorType = error == null ? null : Json.string(error.get("type"), "error.type");
                    String message = error == null ? null : Json.string(error.get("message"), "error.message");
                    out.add(new Failed(status(errorType), errorType,
                            message != null ? message : "anthropic reported an error in the stream"));
                    done = true;
                }
                default -> {
                    // content_block_stop, and event types Anthropic may add, carry nothing the gateway needs.
                }
            }
        }

        private void blockStart(Map<String, Object> d, List<ChatEvent> out) {
            Map<String, Object> b = Json.object(d.get("content_block"), "content_block");
            String type = b == null ? null : Json.string(b.get("type"), "content_block.type");
            if ("tool_use".equals(type)) {
                int tool = toolByBlock.size();
                toolByBlock.put(index(d), tool);
                out.add(new ToolCallStarted(tool, Json.string(b.get("id"), "content_block.id"),
                        Json.string(b.get("name"), "content_block.name")));
                Map<String, Object> input = Json.object(b.get("input"), "content_block.input");
                if (input != null && !input.isEmpty()) {
                    out.add(new ToolCallDelta(tool, Json.write(input)));
                }
            } else if ("text".equals(type)) {
                String text = Json.string(b.get("text"), "content_block.text");
                if (text != null && !text.isEmpty()) {
                    out.add(new TextDelta(text));
                }
            }
        }

        private void blockDelta(Map<String, Object> d, List<ChatEvent> out) {
            Map<String, Object> delta = Json.object(d.get("delta"), "delta");
            String type = delta == null ? null : Json.string(delta.get("type"), "delta.type");
            if ("text_delta".equals(type)) {
                String text = Json.string(delta.get("text"), "delta.text");
                if (text != null && !text.isEmpty()) {
                    out.add(new TextDelta(text));
                }
            } else if ("input_json_delta".equals(type)) {
                Integer tool = toolByBlock.get(index(d));
                String json = Json.string(delta.get("partial_json"), "delta.partial_json");
                if (tool != null && json != null && !json.isEmpty()) {
                    out.add(new ToolCallDelta(tool, json));
                }
            }
        }

        private static long index(Map<String, Object> d) {
            Long index = count(d.get("index"));
            return index == null ? -1 : index;
        }

        /** The status an error type would have had before the 200 (errors inside a stream carry none). */
        private static int status(String errorType) {
            return switch (errorType == null ? "" : errorType) {
                case "overloaded_error" -> 529;
                case "rate_limit_error" -> 429;
                default -> 500;
            };
        }
    }

    /**
     * Writes neutral events as Anthropic's stream. {@code message_start} goes out with the first content (or at the
     * end), not on {@link Started} itself: the input tokens a provider reports right after it then reach
     * {@code message_start}, where SDKs read them. {@link Finished} and {@link UsageReport}s are held for the
     * closing {@code message_delta}; after {@link Failed} (an {@code error} event) nothing more is written.
     */
    static final class Encoder implements StreamEncoder {
        private final String id;
        private final String model;
        private final Map<Integer, Integer> blockByTool = new HashMap<>();
        private String upstreamId;
        private String upstreamModel;
        private boolean started;
        private boolean closed;
        private int blocks;
        private int open = -1;
        private boolean openIsText;
        private Usage usage = Usage.NONE;
        private FinishReason reason;

        Encoder(String id, String model) {
            this.id = id;
            this.model = model;
        }

        @Override
        public String event(ChatEvent event) {
            StringBuilder out = new StringBuilder();
            if (closed) {
                return "";
            }
            switch (event) {
                case Started s -> {
                    upstreamId = s.id();
                    upstreamModel = s.model();
                }
                case UsageReport u -> usage = usage.merge(u.usage());
                case Finished f -> reason = f.reason();
                case TextDelta t -> text(t.text(), out);
                case ToolCallStarted c -> {
                    start(out);
                    close(out);
                    open = blocks++;
                    openIsText = false;
                    blockByTool.put(c.index(), open);
                    Map<String, Object> e = frame("content_block_start");
                    e.put("index", open);
                    e.put("content_block", AnthropicWire.toolUseBlock(new ToolCall(c.id(), c.name(), null),
                            new LinkedHashMap<>()));
                    out.append(sse("content_block_start", e));
                }
                case ToolCallDelta d -> {
                    Integer block = blockByTool.get(d.index());
                    if (block == null) {
                        throw new IllegalStateException("tool call " + d.index() + ": arguments before its start");
                    }
                    if (!d.argumentsFragment().isEmpty()) {
                        out.append(delta(block, block("input_json_delta", "partial_json", d.argumentsFragment())));
                    }
                }
                case Failed f -> {
                    closed = true;
                    Map<String, Object> error = new LinkedHashMap<>();
                    error.put("type", f.type() != null ? f.type() : "api_error");
                    error.put("message", f.message());
                    Map<String, Object> e = frame("error");
                    e.put("error", error);
                    out.append(sse("error", e));
                }
            }
            return out.toString();
        }

        @Override
        public String end() {
            if (closed) {
                return "";
            }
            closed = true;
            StringBuilder out = new StringBuilder();
            start(out);
            close(out);
            Map<String, Object> delta = new LinkedHashMap<>();
            delta.put("stop_reason", AnthropicWire.stopReason(reason));
            delta.put("stop_sequence", null);
            Map<String, Object> tokens = new LinkedHashMap<>();
            tokens.put("output_tokens", usage.outputTokens() != null ? usage.outputTokens() : 0L);
            if (usage.inputTokens() != null) {
                tokens.put("input_tokens", usage.inputTokens());
            }
            Map<String, Object> e = frame("message_delta");
            e.put("delta", delta);
            e.put("usage", tokens);
            out.append(sse("message_delta", e));
            out.append(sse("message_stop", frame("message_stop")));
            return out.toString();
        }

        private void text(String text, StringBuilder out) {
            if (text.isEmpty()) {
                return;
            }
            start(out);
            if (open < 0 || !openIsText) {
                close(out);
                open = blocks++;
                openIsText = true;
                Map<String, Object> e = frame("content_block_start");
                e.put("index", open);
                e.put("content_block", block("text", "text", ""));
                out.append(sse("content_block_start", e));
            }
            out.append(delta(open, block("text_delta", "text", text)));
        }

        private void start(StringBuilder out) {
            if (started) {
                return;
            }
            started = true;
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("id", AnthropicWire.messageId(id != null ? id : upstreamId));
            message.put("type", "message");
            message.put("role", "assistant");
            message.put("model", model != null ? model : upstreamModel);
            message.put("content", List.of());
            message.put("stop_reason", null);
            message.put("stop_sequence", null);
            message.put("usage", AnthropicWire.usage(usage.inputTokens(), 0L));
            Map<String, Object> e = frame("message_start");
            e.put("message", message);
            out.append(sse("message_start", e));
        }

        private void close(StringBuilder out) {
            if (open >= 0) {
                Map<String, Object> e = frame("content_block_stop");
                e.put("index", open);
                out.append(sse("content_block_stop", e));
                open = -1;
            }
        }

        private static String delta(int index, Map<String, Object> delta) {
            Map<String, Object> e = frame("content_block_delta");
            e.put("index", index);
            e.put("delta", delta);
            return sse("content_block_delta", e);
        }
    }
}
